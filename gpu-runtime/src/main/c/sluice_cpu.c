/*
 * Sluice's native CPU kernels (linux-x86_64): the integer products of io.sluice.tensor.cpu.Int8Kernel with
 * AVX2, with AVX-512 VNNI and, for batches, with AMX-INT8 tiles, chosen at run time. One JNI call per product
 * (a row range of one weight matrix against all activation rows); weights are read in place from the
 * memory-mapped file.
 *
 * Also the attention of io.sluice.tensor.cpu.CpuAttention over F32 and F16 KV caches (attention_kernels.h), one
 * JNI call per parallel part of a layer.
 *
 * Compiled without floating-point contraction (-ffp-contract=off): every multiply and fused multiply-add is
 * written out, so the bits equal the Java definition.
 */
#include <jni.h>
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cpuid.h>

/* AMX intrinsics need GCC 11 or Clang 12; older compilers build the library without the AMX path
 * (-DSLUICE_AMX=0 does the same, to check that build). */
#ifndef SLUICE_AMX
#if defined(__x86_64__) && ((defined(__clang__) && __clang_major__ >= 12) \
        || (!defined(__clang__) && defined(__GNUC__) && __GNUC__ >= 11))
#define SLUICE_AMX 1
#else
#define SLUICE_AMX 0
#endif
#endif

#define TYPE_Q8_0 8
#define TYPE_Q4_0 2
#define TYPE_Q4_K 12
#define TYPE_Q6_K 14
#define TYPE_Q5_0 6
#define TYPE_Q5_1 7
#define TYPE_Q5_K 13

#define ISA_AVX2 1
#define ISA_AVX512_VNNI 2
/* AVX-512 VNNI with 512-bit registers for single activation rows (batches as ISA_AVX512_VNNI). */
#define ISA_AVX512_ROWS 3
/* ISA_AVX512_ROWS, and AMX tiles for batches. */
#define ISA_AMX 4

/* Why the AMX path is not used (NativeInt8Kernel.amxStatus). */
#define AMX_IN_USE 0
#define AMX_NO_CPU 1
#define AMX_NOT_COMPILED 2
#define AMX_REFUSED 3
static int amx_status = AMX_NO_CPU;

static float half_table[65536];

/* fp16 -> float, exact for every input (as io.sluice.tensor.cpu.HalfFloat). */
static float half_bits_to_float(uint32_t h) {
    uint32_t sign = (h & 0x8000u) << 16;
    uint32_t exponent = (h >> 10) & 0x1f;
    uint32_t mantissa = h & 0x3ff;
    uint32_t bits;
    if (exponent == 0) {
        float magnitude = (float) mantissa * 0x1p-24f;
        return sign ? -magnitude : magnitude;
    }
    if (exponent == 31) {
        bits = sign | 0x7f800000u | (mantissa << 13);
    } else {
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static inline float half_to_float(const uint8_t *p) {
    return half_table[(uint32_t) p[0] | ((uint32_t) p[1] << 8)];
}

/* The fixed lane sum that ends every product (LaneSum in Java). */
static inline float lane_total(const float *a) {
    return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

/* The scalar tails below run inside the SIMD kernels (every one of them has FMA): fmaf is one instruction. */
#define TAIL_TARGET __attribute__((target("fma")))

/* Q8_0 blocks [from, blocks) of one row, one by one, into the lanes a[b % 8] (the SIMD kernels' tails). */
static TAIL_TARGET inline void tail_q8_0(const uint8_t *w, const int8_t *q, const float *dx, int from, int blocks,
                                         float *a) {
    for (int b = from; b < blocks; b++) {
        const uint8_t *blk = w + (size_t) b * 34;
        int isum = 0;
        for (int k = 0; k < 32; k++) {
            isum += (int8_t) blk[2 + k] * q[b * 32 + k];
        }
        a[b % 8] = fmaf(half_to_float(blk) * dx[b], (float) isum, a[b % 8]);
    }
}

/* Q4_0, Q5_0 and Q5_1 blocks [from, blocks) of one row, one by one, into the lanes a[b % 8]. */
static TAIL_TARGET inline void tail_q4_q5(int type, const uint8_t *w, const int8_t *q, const float *dx,
                                          const int32_t *sx, int from, int blocks, float *a) {
    const int bb = type == TYPE_Q4_0 ? 18 : type == TYPE_Q5_0 ? 22 : 24;
    const int qh_at = type == TYPE_Q5_1 ? 4 : 2;
    const int qs_at = type == TYPE_Q4_0 ? 2 : qh_at + 4;
    const int off = type == TYPE_Q4_0 ? 8 : type == TYPE_Q5_0 ? 16 : 0;
    for (int b = from; b < blocks; b++) {
        const uint8_t *blk = w + (size_t) b * bb;
        uint32_t qh = 0;
        if (type != TYPE_Q4_0) {
            memcpy(&qh, blk + qh_at, 4);
        }
        int isum = 0;
        for (int k = 0; k < 16; k++) {
            int n = blk[qs_at + k];
            int lo = (n & 0x0f) | (((qh >> k) & 1) << 4);
            int hi = (n >> 4) | (((qh >> (k + 16)) & 1) << 4);
            isum += (lo - off) * q[b * 32 + k] + (hi - off) * q[b * 32 + k + 16];
        }
        a[b % 8] = fmaf(half_to_float(blk) * dx[b], (float) isum, a[b % 8]);
        if (type == TYPE_Q5_1) {
            a[b % 8] = fmaf(half_to_float(blk + 2) * dx[b], (float) sx[b], a[b % 8]);
        }
    }
}

/* The eight 6-bit (scale, min) pairs of a Q4_K/Q5_K super-block (as io.sluice.tensor.cpu.KQuantScales). */
static inline void k_scales(const uint8_t *s, int32_t *sc, int32_t *mn) {
    for (int j = 0; j < 4; j++) {
        sc[j] = s[j] & 63;
        mn[j] = s[j + 4] & 63;
    }
    for (int j = 4; j < 8; j++) {
        sc[j] = (s[j + 4] & 0x0f) | ((s[j - 4] >> 6) << 4);
        mn[j] = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

/* The sums of every 16 activation values (hx[k] = Σ q[16k .. 16k + 15]), for Q6_K's offset. */
static inline void half_sums(const int8_t *q, int cols, int16_t *hx) {
    for (int k = 0; k < cols / 16; k++) {
        int t = 0;
        for (int e = 0; e < 16; e++) {
            t += q[16 * k + e];
        }
        hx[k] = (int16_t) t;
    }
}

/* Per-type offsets of the unsigned form of weight values (value + offset in 0..255). */
static inline int type_offset(int type) {
    return type == TYPE_Q8_0 ? 128 : type == TYPE_Q4_0 ? 8 : type == TYPE_Q5_0 ? 16 : type == TYPE_Q6_K ? 32 : 0;
}

/* The batched kernels' scratch (see matmul in int8_kernels.h). */
static size_t batched_scratch_bytes(int n, int cols) {
    size_t blocks = (size_t) cols / 32;
    return (4 * (3 * (size_t) cols + 20 * blocks) + (size_t) n * cols + 8 * (size_t) n * blocks + 63) / 64 * 64;
}

/* ---- AVX2: u8 x s8 pairs to int16 (no overflow for these value ranges), then to int32 ---- */
#define TARGET __attribute__((target("avx2,fma,f16c")))
#define SUFFIX avx2
static TARGET inline __m256i dot32_avx2(__m256i u, __m256i s) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}
#define DOT32 dot32_avx2
#define Q8_UNSIGNED 0
#define TILE_I 2
#define DPBUSD(acc, u, s) _mm256_add_epi32((acc), dot32_avx2((u), (s)))
#include "int8_kernels.h"
#undef Q8_UNSIGNED
#undef TILE_I
#undef DPBUSD
#undef Q8_DOT
#undef DOT32
#undef SUFFIX
#undef TARGET

/* ---- AVX-512 VNNI on 256-bit registers (AVX512VL): one vpdpbusd per 32 bytes ---- */
#define TARGET __attribute__((target("avx2,fma,f16c,avx512f,avx512vl,avx512bw,avx512vnni")))
#define SUFFIX vnni
static TARGET inline __m256i dot32_vnni(__m256i u, __m256i s) {
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s);
}
#define DOT32 dot32_vnni
#define Q8_UNSIGNED 1
#define TILE_I 2
#define DPBUSD(acc, u, s) _mm256_dpbusd_epi32((acc), (u), (s))
#include "int8_kernels.h"
#undef Q8_UNSIGNED
#undef TILE_I
#undef DPBUSD
#undef Q8_DOT
#undef DOT32
#undef SUFFIX
#undef TARGET

#include "int8_rows512.h"
#include "attention_kernels.h"
#if SLUICE_AMX
#include "amx_kernels.h"
#endif

/* CPUID leaf 7: AMX-TILE (EDX bit 24) and AMX-INT8 (EDX bit 25). */
static int cpu_has_amx_int8(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        return 0;
    }
    return (d >> 24 & 1) && (d >> 25 & 1);
}

/* The scratch one call needs (NativeInt8Kernel passes a thread's reused buffer of this size plus 64). For one
 * row: the activation sums (or, 512-bit rows, an aligned copy of the row and its orders). For batches: unpacked
 * weight rows and transposed activation rows (batched_scratch_bytes) or the AMX tiles' operands. */
static size_t scratch_bytes(int isa, int n, int cols) {
    if (n == 1) {
        return isa >= ISA_AVX512_ROWS ? rows512_scratch_bytes(cols) : ((size_t) cols / 8 + 63) / 64 * 64;
    }
#if SLUICE_AMX
    if (isa == ISA_AMX) {
        return amx_scratch_bytes(n, cols);
    }
#endif
    return batched_scratch_bytes(n, cols);
}

JNIEXPORT jint JNICALL Java_io_sluice_tensor_cpu_NativeInt8Kernel_supportedIsa(JNIEnv *env, jclass cls) {
    (void) env;
    (void) cls;
    __builtin_cpu_init();
    for (uint32_t h = 0; h < 65536; h++) {
        half_table[h] = half_bits_to_float(h);
    }
    if (__builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vl")
            && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("fma")) {
        if (!cpu_has_amx_int8()) {
            amx_status = AMX_NO_CPU;
            return ISA_AVX512_ROWS;
        }
#if SLUICE_AMX
        /* Linux hands out the tile data state only on request, once per process (repeats are harmless). */
        if (amx_request_permission() != 0) {
            amx_status = AMX_REFUSED;
            return ISA_AVX512_ROWS;
        }
        amx_status = AMX_IN_USE;
        return ISA_AMX;
#else
        amx_status = AMX_NOT_COMPILED;
        return ISA_AVX512_ROWS;
#endif
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        return ISA_AVX2;
    }
    return 0;
}

JNIEXPORT jint JNICALL Java_io_sluice_tensor_cpu_NativeInt8Kernel_amxStatus(JNIEnv *env, jclass cls) {
    (void) env;
    (void) cls;
    return amx_status;
}

/*
 * One product range; returns 0 when done, else the scratch bytes the call needs (its buffer was missing or too
 * small; nothing was computed): the caller grows its buffer and calls again. One JNI call per product in the
 * common case, where asking for the size first cost a second call every time.
 */
JNIEXPORT jlong JNICALL Java_io_sluice_tensor_cpu_NativeInt8Kernel_matmul0(JNIEnv *env, jclass cls, jint isa,
        jint type, jobject weights, jint rowBytes, jint rowStart, jint rowEnd, jbyteArray quants,
        jfloatArray scales, jintArray sums, jint n, jint cols, jfloatArray out, jint outStride, jint outOffset,
        jobject scratchBuffer) {
    (void) cls;
    const uint8_t *w = (const uint8_t *) (*env)->GetDirectBufferAddress(env, weights);
    jlong needed = (jlong) scratch_bytes(isa, n, cols) + 64;
    uint8_t *area = scratchBuffer == NULL ? NULL : (uint8_t *) (*env)->GetDirectBufferAddress(env, scratchBuffer);
    if (w == NULL) {
        return 0;
    }
    if (area == NULL || (*env)->GetDirectBufferCapacity(env, scratchBuffer) < needed) {
        return needed;
    }
    /* The thread's reused scratch (no allocation per call), aligned to 64 bytes. */
    void *scratch = (void *) (((uintptr_t) area + 63) & ~(uintptr_t) 63);
    int8_t *q = (*env)->GetPrimitiveArrayCritical(env, quants, NULL);
    float *d = (*env)->GetPrimitiveArrayCritical(env, scales, NULL);
    int32_t *s = (*env)->GetPrimitiveArrayCritical(env, sums, NULL);
    float *o = (*env)->GetPrimitiveArrayCritical(env, out, NULL);
    if (q != NULL && d != NULL && s != NULL && o != NULL) {
        if (n == 1 && isa >= ISA_AVX512_ROWS) {
            matmul_rows512(type, w, rowBytes, rowStart, rowEnd, q, d, s, cols, o, outOffset, scratch);
        } else
#if SLUICE_AMX
        if (isa == ISA_AMX && n > 1) {
            matmul_amx(type, w, rowBytes, rowStart, rowEnd, q, d, s, n, cols, o, outStride, outOffset, scratch);
        } else
#endif
        if (isa >= ISA_AVX512_VNNI) {
            matmul_vnni(type, w, rowBytes, rowStart, rowEnd, q, d, s, n, cols, o, outStride, outOffset, scratch);
        } else {
            matmul_avx2(type, w, rowBytes, rowStart, rowEnd, q, d, s, n, cols, o, outStride, outOffset, scratch);
        }
    }
    if (o != NULL) (*env)->ReleasePrimitiveArrayCritical(env, out, o, 0);
    if (s != NULL) (*env)->ReleasePrimitiveArrayCritical(env, sums, s, JNI_ABORT);
    if (d != NULL) (*env)->ReleasePrimitiveArrayCritical(env, scales, d, JNI_ABORT);
    if (q != NULL) (*env)->ReleasePrimitiveArrayCritical(env, quants, q, JNI_ABORT);
    return 0;
}

/* Whether this CPU runs the attention kernels (AVX2, FMA and F16C); 1 or 0. */
JNIEXPORT jint JNICALL Java_io_sluice_tensor_cpu_NativeAttention_supported0(JNIEnv *env, jclass cls) {
    (void) env;
    (void) cls;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
}

/*
 * Attention tasks [start, end) of one layer (NativeAttention.attend0): keys and values are the layer's arrays,
 * float[] when half is 0, short[] (half-float bits) when 1.
 */
JNIEXPORT void JNICALL Java_io_sluice_tensor_cpu_NativeAttention_attend0(JNIEnv *env, jclass cls, jarray keys,
        jarray values, jboolean half, jint kvDim, jint blockSize, jintArray rows, jintArray tables, jfloatArray q,
        jfloatArray out, jint heads, jint headDim, jint group, jint qDim, jfloat scale, jint start, jint end,
        jfloatArray scores) {
    (void) cls;
    void *k = (*env)->GetPrimitiveArrayCritical(env, keys, NULL);
    void *v = (*env)->GetPrimitiveArrayCritical(env, values, NULL);
    int32_t *r = (*env)->GetPrimitiveArrayCritical(env, rows, NULL);
    int32_t *t = (*env)->GetPrimitiveArrayCritical(env, tables, NULL);
    float *qs = (*env)->GetPrimitiveArrayCritical(env, q, NULL);
    float *o = (*env)->GetPrimitiveArrayCritical(env, out, NULL);
    float *s = (*env)->GetPrimitiveArrayCritical(env, scores, NULL);
    if (k != NULL && v != NULL && r != NULL && t != NULL && qs != NULL && o != NULL && s != NULL) {
        if (half) {
            attend_f16(k, v, kvDim, blockSize, r, t, qs, o, heads, headDim, group, qDim, scale, start, end, s);
        } else {
            attend_f32(k, v, kvDim, blockSize, r, t, qs, o, heads, headDim, group, qDim, scale, start, end, s);
        }
    }
    if (s != NULL) (*env)->ReleasePrimitiveArrayCritical(env, scores, s, 0);
    if (o != NULL) (*env)->ReleasePrimitiveArrayCritical(env, out, o, 0);
    if (qs != NULL) (*env)->ReleasePrimitiveArrayCritical(env, q, qs, JNI_ABORT);
    if (t != NULL) (*env)->ReleasePrimitiveArrayCritical(env, tables, t, JNI_ABORT);
    if (r != NULL) (*env)->ReleasePrimitiveArrayCritical(env, rows, r, JNI_ABORT);
    if (v != NULL) (*env)->ReleasePrimitiveArrayCritical(env, values, v, JNI_ABORT);
    if (k != NULL) (*env)->ReleasePrimitiveArrayCritical(env, keys, k, JNI_ABORT);
}
