// Products of quantized weights with 8-bit activations on tensor cores (mma.sync m16n8k16 on s8), in the CPU
// backend's order to the bit (io.sluice.tensor.cpu.Int8Kernel): the GPU gives a quantized model's products the
// same bits as every CPU kernel, whatever the batch.
//
// Why this holds. A weight block times an activation block is an integer sum (int8 x int8 into int32, exact
// whatever order the tensor core adds in), so only the float steps need an order, and they take the CPU's: eight
// lane accumulators a[0..7] = +0; block b of the row (32 values) goes to lane b % 8 with one or two fmaf in
// increasing b; then ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)). Lane L is warp L of the kernel's block,
// so the split over eight warps is the CPU's own and never depends on the batch size. A row of activations is
// quantized as io.sluice.tensor.cpu.Q8Activations: d = max|x| / 127, inv = 1 / d (0 for an all-zero block),
// q = rint(x * inv) (ties to even), s = sum of q.
//
// Everything but the mma itself is written once here for the device and the host: src/test/cuda/mmq_check.cpp
// runs these functions with the PTX ISA's fragment layout emulated on the CPU, and Int8ProductLayoutTest
// compares its products bit for bit with the Java kernels'. Multiplications are written plainly: the kernels
// are compiled with --fmad=false and the host check with -ffp-contract=off, so nothing is fused unless fmaf
// says so.
#pragma once

#include "mma_tile.cuh"

#if !defined(__CUDA_ARCH__)
#include <cmath>
#endif

// ---- activations ----

// NaN propagates (a NaN block gives a NaN scale, as Java's Math.max), unlike fmaxf.
SL_HD float sl_max_nan(float a, float b) {
    return (a != a || a > b) ? a : b;
}

// The block's scale d and its inverse from max |x|.
SL_HD void sl_q8_scale(float amax, float* d, float* inv) {
    float s = amax / 127.0f;
    *d = s;
    *inv = s != 0.0f ? 1.0f / s : 0.0f;
}

// rint(x * inv): the product rounded once, then to the nearest integer, ties to even.
SL_HD int sl_q8_round(float x, float inv) {
    float p = x * inv;
#if defined(__CUDA_ARCH__)
    return __float2int_rn(p);
#else
    return (int) std::nearbyint(p);
#endif
}

// ---- weights: four quants of a 32-value block as the integers the fold multiplies ----

SL_HD uint32_t sl_pack4(int v0, int v1, int v2, int v3) {
    return (uint32_t) (uint8_t) v0 | ((uint32_t) (uint8_t) v1 << 8) | ((uint32_t) (uint8_t) v2 << 16)
            | ((uint32_t) (uint8_t) v3 << 24);
}

// The integer weight of value e (0..31) of block blk of a row: Q8_0 q, Q4_0 n-8, Q5_0 n-16, Q5_1 n, Q4_K n,
// Q5_K n, Q6_K n-32 (the offsets and the K-quants' sub-block scales and mins are applied by sl_fold).
template <int TYPE>
SL_HD int sl_wq(const uint8_t* row, int blk, int e) {
    if (TYPE == SL_Q8_0) {
        return (int8_t) row[34 * (uint64_t) blk + 2 + e];
    } else if (TYPE == SL_Q4_0) {
        const uint8_t* b = row + 18 * (uint64_t) blk;
        int q = b[2 + (e & 15)];
        return (e < 16 ? q & 0x0f : q >> 4) - 8;
    } else if (TYPE == SL_Q5_0 || TYPE == SL_Q5_1) {
        const uint8_t* b = row + (TYPE == SL_Q5_0 ? 22 : 24) * (uint64_t) blk;
        const int qhAt = TYPE == SL_Q5_0 ? 2 : 4;
        int q = b[qhAt + 4 + (e & 15)];
        int n = (e < 16 ? q & 0x0f : q >> 4) | (((sl_u32(b + qhAt) >> e) & 1) << 4);
        return TYPE == SL_Q5_0 ? n - 16 : n;
    } else if (TYPE == SL_Q4_K || TYPE == SL_Q5_K) {
        const uint8_t* b = row + (TYPE == SL_Q4_K ? 144 : 176) * (uint64_t) (blk / 8);
        int s = blk % 8;
        const uint8_t* qs = b + (TYPE == SL_Q4_K ? 16 : 48) + 32 * (s / 2);
        int n = (qs[e] >> (4 * (s & 1))) & 0x0f;
        if (TYPE == SL_Q5_K) {
            n |= ((b[16 + e] >> s) & 1) << 4;
        }
        return n;
    } else {
        const uint8_t* b = row + 210 * (uint64_t) (blk / 8);
        int s = blk % 8;
        int h = s / 4;
        int t = s % 4;
        const uint8_t* ql = b + 64 * h + 32 * (t % 2);
        const uint8_t* qh = b + 128 + 32 * h;
        return (((ql[e] >> (t < 2 ? 0 : 4)) & 0x0f) | (((qh[e] >> (2 * t)) & 3) << 4)) - 32;
    }
}

// Values e0 .. e0+3 of block blk packed low to high: one register of an mma fragment.
template <int TYPE>
SL_HD uint32_t sl_wq4(const uint8_t* row, int blk, int e0) {
    return sl_pack4(sl_wq<TYPE>(row, blk, e0), sl_wq<TYPE>(row, blk, e0 + 1), sl_wq<TYPE>(row, blk, e0 + 2),
            sl_wq<TYPE>(row, blk, e0 + 3));
}

// What block blk of a row adds besides its quants: the scale d, Q5_1's offset m, the K-quants' dmin and 6-bit
// sub-block scale and min, Q6_K's two signed 16-value scales.
struct SlWeightTerms {
    float d;
    float m;
    int scale;
    int min;
    int scaleHigh;
};

template <int TYPE>
SL_HD SlWeightTerms sl_wterms(const uint8_t* row, int blk) {
    SlWeightTerms w = {0.0f, 0.0f, 0, 0, 0};
    if (TYPE == SL_Q8_0 || TYPE == SL_Q4_0 || TYPE == SL_Q5_0 || TYPE == SL_Q5_1) {
        const int bytes = TYPE == SL_Q8_0 ? 34 : TYPE == SL_Q4_0 ? 18 : TYPE == SL_Q5_0 ? 22 : 24;
        const uint8_t* b = row + bytes * (uint64_t) blk;
        w.d = sl_half(sl_u16(b));
        if (TYPE == SL_Q5_1) {
            w.m = sl_half(sl_u16(b + 2));
        }
    } else if (TYPE == SL_Q4_K || TYPE == SL_Q5_K) {
        const uint8_t* b = row + (TYPE == SL_Q4_K ? 144 : 176) * (uint64_t) (blk / 8);
        w.d = sl_half(sl_u16(b));
        w.m = sl_half(sl_u16(b + 2));
        sl_kquant_scale_min(b + 4, blk % 8, &w.scale, &w.min);
    } else {
        const uint8_t* b = row + 210 * (uint64_t) (blk / 8);
        int s = blk % 8;
        w.d = sl_half(sl_u16(b + 208));
        w.scale = (int8_t) b[192 + 8 * (s / 4) + 2 * (s % 4)];
        w.scaleHigh = (int8_t) b[192 + 8 * (s / 4) + 2 * (s % 4) + 1];
    }
    return w;
}

// One block into its lane accumulator (the Int8Kernel order): lo and hi are the integer sums over values 0..15
// and 16..31, dx and sx the activation block's scale and sum of quants.
template <int TYPE>
SL_HD float sl_fold(SlWeightTerms w, int lo, int hi, float dx, int sx, float acc) {
    if (TYPE == SL_Q8_0 || TYPE == SL_Q4_0 || TYPE == SL_Q5_0) {
        return sl_fmaf(w.d * dx, (float) (lo + hi), acc);
    } else if (TYPE == SL_Q5_1) {
        acc = sl_fmaf(w.d * dx, (float) (lo + hi), acc);
        return sl_fmaf(w.m * dx, (float) sx, acc);
    } else if (TYPE == SL_Q4_K || TYPE == SL_Q5_K) {
        acc = sl_fmaf(w.d * dx, (float) (w.scale * (lo + hi)), acc);
        return sl_fmaf(-(w.m * dx), (float) (w.min * sx), acc);
    } else {
        return sl_fmaf(w.d * dx, (float) (w.scale * lo + w.scaleHigh * hi), acc);
    }
}

// ---- the mma fragments (PTX ISA, mma.m16n8k16 with .s8 operands; g = lane / 4, t = lane % 4) ----
// A (16 x 16, row-major): register 0 holds row g, columns 4t .. 4t+3; register 1 row g + 8, the same columns.
// B (16 x 8, column-major): one register, rows 4t .. 4t+3 of column g.
// C and D (16 x 8, s32): c0, c1 at row g, columns 2t, 2t+1; c2, c3 at row g + 8, the same columns.
// Rows of A are output features, columns of B tokens; half h of a block is its values 16h .. 16h+15.

// This lane's A registers for half h of block blk: features g and g + 8 of the warp's tile.
template <int TYPE>
SL_HD void sl_mmq_a(const uint8_t* rowG, const uint8_t* rowG8, int blk, int h, int t, uint32_t a[2]) {
    a[0] = sl_wq4<TYPE>(rowG, blk, 16 * h + 4 * t);
    a[1] = sl_wq4<TYPE>(rowG8, blk, 16 * h + 4 * t);
}

// Four activation quants from p, a multiple of 4 into a row (4-byte aligned on the device: rows hold a
// multiple of 32 quants).
SL_HD uint32_t sl_x4(const int8_t* p) {
#if defined(__CUDA_ARCH__)
    return *(const uint32_t*) p;
#else
    return sl_pack4(p[0], p[1], p[2], p[3]);
#endif
}

// This lane's B register for half h of block blk: token row xqRow (k quants; null past the batch gives zeros).
SL_HD uint32_t sl_mmq_b(const int8_t* xqRow, int blk, int h, int t) {
    return xqRow == 0 ? 0 : sl_x4(xqRow + 32 * blk + 16 * h + 4 * t);
}

// ---- few tokens: a bandwidth-bound matrix-vector product with the same bits ----
// The integer sums are exact, so a kernel may form them any way it likes; only the float fold has to stay the
// CPU's. For up to SL_MVQ_ROWS tokens, one warp owns one feature: lane (L, s) = (lane / 4, lane % 4) takes
// values 8s .. 8s+7 of the blocks L, L + 8, ... (two dp4a per token), the four lanes of a group add their sums
// (lo from s = 0, 1, hi from s = 2, 3) and lane 4L folds them into accumulator L; then the eight accumulators go
// through sl_lane_sum8. Eight consecutive blocks per warp step: the row is read front to back, coalesced.
#define SL_MVQ_ROWS 8

// a . b + c over four signed bytes: __dp4a on the device.
SL_HD int sl_dp4a(uint32_t a, uint32_t b, int c) {
#if defined(__CUDA_ARCH__)
    return __dp4a((int) a, (int) b, c);
#else
    for (int i = 0; i < 4; i++) {
        c += (int8_t) (a >> (8 * i)) * (int8_t) (b >> (8 * i));
    }
    return c;
#endif
}

// Lane s's part of block blk for one token row of quants: values 8s .. 8s+7.
template <int TYPE>
SL_HD int sl_mvq_part(const uint8_t* row, const int8_t* xqRow, int blk, int s) {
    const int8_t* x = xqRow + 32 * blk + 8 * s;
    int first = sl_dp4a(sl_wq4<TYPE>(row, blk, 8 * s), sl_x4(x), 0);
    return sl_dp4a(sl_wq4<TYPE>(row, blk, 8 * s + 4), sl_x4(x + 4), first);
}
