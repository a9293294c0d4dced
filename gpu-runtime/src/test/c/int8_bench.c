/*
 * Microbenchmark of the native integer products (not a test): weight rows of 768 columns in a buffer larger
 * than the caches, products with one activation row (decode) in GB/s of weights, and with N rows in GFLOP/s.
 * Build: gcc -O2 -ffp-contract=off -fno-tree-vectorize -fopenmp -I$JAVA_HOME/include -I$JAVA_HOME/include/linux \
 *          int8_bench.c -o int8_bench
 * Run:   ./int8_bench [THREADS] [N] [TYPE: 8=Q8_0 2=Q4_0 6=Q5_0 7=Q5_1 12=Q4_K 13=Q5_K 14=Q6_K] [COLS] [MiB of weights] [PASSES]
 * With THREADS = 1 the time is the thread's CPU time (other processes on the machine do not count).
 * Each instruction set the CPU has (avx2, vnni, 512-bit rows for N = 1, amx for N > 1) is timed; the outputs of each are compared bit
 * for bit with the AVX2 ones (a mismatch count is printed: it must be 0).
 */
#include "../../main/c/sluice_cpu.c"
#include <omp.h>
#include <stdio.h>
#include <time.h>

/* With one thread, its CPU time: robust to other processes taking the CPU on a shared machine. */
static int single_thread;

static double now(void) {
    struct timespec t;
    clock_gettime(single_thread ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int row_bytes(int type, int cols) {
    switch (type) {
        case TYPE_Q8_0: return cols / 32 * 34;
        case TYPE_Q4_0: return cols / 32 * 18;
        case TYPE_Q4_K: return cols / 256 * 144;
        case TYPE_Q5_0: return cols / 32 * 22;
        case TYPE_Q5_1: return cols / 32 * 24;
        case TYPE_Q5_K: return cols / 256 * 176;
        default: return cols / 256 * 210;
    }
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    int n = argc > 2 ? atoi(argv[2]) : 1;
    int type = argc > 3 ? atoi(argv[3]) : TYPE_Q8_0;
    int cols = argc > 4 ? atoi(argv[4]) : 768;
    int best_isa = Java_io_sluice_tensor_cpu_NativeInt8Kernel_supportedIsa(NULL, NULL);
    int rb = row_bytes(type, cols);
    size_t bytes = (size_t) (argc > 5 ? atoi(argv[5]) : 256) << 20;
    int rows = (int) (bytes / rb);
    uint8_t *w = aligned_alloc(64, (size_t) rows * rb + 64);
    for (size_t i = 0; i < (size_t) rows * rb; i++) w[i] = (uint8_t) (i * 2654435761u >> 13);
    /* Random halves may be inf/nan: fine for timing; the bit comparison skips NaN outputs. */
    int blocks = cols / 32;
    int8_t *q = aligned_alloc(64, (size_t) n * cols + 64);
    float *d = aligned_alloc(64, (size_t) n * blocks * 4 + 64);
    int32_t *s = aligned_alloc(64, (size_t) n * blocks * 4 + 64);
    for (size_t i = 0; i < (size_t) n * cols; i++) q[i] = (int8_t) ((i * 7919) % 255 - 127);
    for (int i = 0; i < n * blocks; i++) {
        d[i] = 0.01f;
        s[i] = 0;
        for (int k = 0; k < 32; k++) s[i] += q[32 * i + k];
    }
    float *out = aligned_alloc(64, (size_t) n * rows * 4 + 64);
    float *first = aligned_alloc(64, (size_t) n * rows * 4 + 64);
    omp_set_num_threads(threads);
    single_thread = threads == 1;
    int chunk = 4 * 16;
    for (int isa = 1; isa <= best_isa; isa++) {
        if ((isa == ISA_AMX && n == 1) || (isa == ISA_AVX512_ROWS && n != 1)) continue;
        double best = 1e9;
        int passes = argc > 6 ? atoi(argv[6]) : bytes < (8u << 20) ? 200 : 6;
        for (int pass = 0; pass < passes; pass++) {
            double t0 = now();
#pragma omp parallel
            {
                size_t sc = scratch_bytes(isa, n, cols);
                void *scratch = aligned_alloc(64, sc);
#pragma omp for schedule(static)
                for (int r = 0; r < rows; r += chunk) {
                    int e = r + chunk < rows ? r + chunk : rows;
#if SLUICE_AMX
                    if (isa == ISA_AMX) matmul_amx(type, w, rb, r, e, q, d, s, n, cols, out, rows, 0, scratch);
                    else
#endif
                    if (isa == ISA_AVX512_ROWS) matmul_rows512(type, w, rb, r, e, q, d, s, cols, out, 0, scratch);
                    else if (isa == 2) matmul_vnni(type, w, rb, r, e, q, d, s, n, cols, out, rows, 0, scratch);
                    else matmul_avx2(type, w, rb, r, e, q, d, s, n, cols, out, rows, 0, scratch);
                }
                free(scratch);
            }
            double t = now() - t0;
            if (t < best) best = t; /* the best pass: the least disturbed by other work on the machine */
        }
        double gb = (double) rows * rb / best / 1e9;
        double gflop = 2.0 * rows * (double) cols * n / best / 1e9;
        long mismatches = 0;
        if (isa == 1) {
            memcpy(first, out, (size_t) n * rows * 4);
        } else {
            for (size_t k = 0; k < (size_t) n * rows; k++) {
                if (out[k] == out[k] && memcmp(&out[k], &first[k], 4) != 0) mismatches++;
            }
        }
        printf("%s type %d n %d threads %d: %.1f GB/s of weights, %.1f GFLOP/s (%ld outputs differ from avx2)\n",
               isa == ISA_AMX ? "amx" : isa == ISA_AVX512_ROWS ? "avx512-rows" : isa == 2 ? "vnni" : "avx2", type, n, threads, gb, gflop, mismatches);
    }
    return 0;
}
