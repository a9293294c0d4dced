/*
 * The machine's limits the engine is measured against (not a test): main-memory read bandwidth with T threads
 * (sum of a 1 GiB array, best of several passes) and the FP32 FMA peak (independent 256-bit FMA chains).
 * Build: gcc -O3 -mavx2 -mfma -fopenmp machine_limits.c -o machine_limits (-O3 unrolls the chains into registers);
 * run: ./machine_limits [THREADS]
 */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : omp_get_max_threads();
    omp_set_num_threads(threads);
    size_t n = (size_t) 1 << 28; /* 1 GiB of floats */
    float *a = aligned_alloc(64, n * sizeof(float));
#pragma omp parallel for
    for (size_t i = 0; i < n; i++) a[i] = (float) (i & 1023);
    double best = 1e9;
    float sink = 0;
    for (int pass = 0; pass < 8; pass++) {
        double t0 = now();
        __m256 total = _mm256_setzero_ps();
#pragma omp parallel
        {
            __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
#pragma omp for nowait
            for (size_t i = 0; i < n; i += 32) {
                s0 = _mm256_add_ps(s0, _mm256_load_ps(a + i));
                s1 = _mm256_add_ps(s1, _mm256_load_ps(a + i + 8));
                s2 = _mm256_add_ps(s2, _mm256_load_ps(a + i + 16));
                s3 = _mm256_add_ps(s3, _mm256_load_ps(a + i + 24));
            }
#pragma omp critical
            total = _mm256_add_ps(total, _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
        }
        double t = now() - t0;
        if (t < best) best = t;
        float lanes[8];
        _mm256_storeu_ps(lanes, total);
        sink += lanes[0];
    }
    printf("read bandwidth, %d threads: %.1f GB/s\n", threads, n * sizeof(float) / best / 1e9);

    long iters = 200000000L;
    double bestf = 1e9;
    for (int pass = 0; pass < 3; pass++) {
        double t0 = now();
#pragma omp parallel
        {
            __m256 x = _mm256_set1_ps(1.0000001f), y = _mm256_set1_ps(0.9999999f);
            __m256 c[10];
            for (int k = 0; k < 10; k++) c[k] = _mm256_set1_ps((float) k);
            for (long i = 0; i < iters / threads; i++) {
                for (int k = 0; k < 10; k++) c[k] = _mm256_fmadd_ps(c[k], x, y);
            }
            float lanes[8];
            _mm256_storeu_ps(lanes, c[0]);
#pragma omp critical
            sink += lanes[0] + lanes[1];
        }
        double t = now() - t0;
        if (t < bestf) bestf = t;
    }
    printf("FP32 FMA peak (256-bit chains), %d threads: %.1f GFLOP/s\n", threads, iters * 10.0 * 8 * 2 / bestf / 1e9);
    return sink == 12345.0f;
}
