// Products of F16 weights with float activations on tensor cores (mma.sync m16n8k16, f16 inputs, f32
// accumulators), to float accuracy: each activation row is scaled by a power of two that puts its largest value
// just below 2^15, then split into two halves, hi = f16(x) and lo = f16(x - hi), so that hi + lo carries 22 of
// the float's 24 bits; W x = (W hi + W lo) * 2^-shift. Products of two halves are exact in f32; only the tensor
// core's additions round.
//
// Replay safety: an output element is one fixed sequence of mma steps that depends on the model's shapes only.
// Warp L of a block owns the 32-value chunks c = L, L + 8, L + 16, ... in increasing order and folds
// C = A B_hi(c, first half) + C, then the second half, then the same for B_lo; the eight warps' sums are added in
// the tree of sl_lane_sum8 and scaled back. A token with fewer neighbours in its tile gets zero columns beside
// it, and a tensor core computes each output element from its own row and column only, so a row's bits are the
// same alone or in any batch. They are not the CPU backend's bits (its products are f32 fused multiply-adds):
// sluice gpu-check holds them to the float64 reference instead.
//
// Within a 32-value chunk the values are handed to the mma in a fixed permutation that lets each lane load 16
// contiguous bytes (see sl_mmf_slot); a permutation of k changes nothing in a dot product but the order of
// the tensor core's additions, and that order is the same for every batch.
#pragma once

#include "int8_product.cuh"

#if !defined(__CUDA_ARCH__)
#include <cmath>
#endif

// ---- activations: the split ----

// The power of two (as an exponent shift) that scales a row with largest magnitude amax to below 2^15; 0 for a row
// of zeros, or with an infinity or NaN (which then stays in the products).
SL_HD int sl_split_shift(float amax) {
    if (!(amax > 0.0f) || amax > 3.402823466e38f) {
        return 0;
    }
    int e;
#if defined(__CUDA_ARCH__)
    frexpf(amax, &e);
#else
    std::frexp(amax, &e);
#endif
    return 15 - e;   // amax < 2^e, so amax * 2^(15 - e) < 2^15
}

// Float to half bits, rounded to nearest, ties to even (subnormals included): __float2half_rn's result.
SL_HD uint16_t sl_half_bits(float f) {
#if defined(__CUDA_ARCH__)
    return __half_as_ushort(__float2half_rn(f));
#else
    union { float f; uint32_t u; } v;
    v.f = f;
    uint32_t sign = (v.u >> 16) & 0x8000u;
    uint32_t ax = v.u & 0x7fffffffu;
    if (ax > 0x7f800000u) {
        return (uint16_t) (sign | 0x7e00u | ((ax >> 13) & 0x3ffu));   // NaN stays NaN
    }
    if (ax >= 0x477ff000u) {
        return (uint16_t) (sign | 0x7c00u);   // 65520 and up round to infinity
    }
    if (ax < 0x38800000u) {
        // Below 2^-14: a multiple of 2^-24, rounded to nearest even.
        v.u = ax;
        return (uint16_t) (sign | (uint32_t) std::nearbyint(v.f * 16777216.0f));
    }
    uint32_t h = ((((ax >> 23) - 127 + 15) << 10) | ((ax & 0x7fffffu) >> 13));
    uint32_t rest = ax & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) {
        h++;   // a carry out of the mantissa moves into the exponent, as it should
    }
    return (uint16_t) (sign | h);
#endif
}

// x * 2^shift as hi + lo halves.
SL_HD void sl_split(float x, int shift, uint16_t* hi, uint16_t* lo) {
    float xs = sl_scale2(x, shift);
    uint16_t h = sl_half_bits(xs);
    *hi = h;
    *lo = sl_half_bits(xs - sl_half(h));   // exact in f32: xs and the half nearest it share their top bits
}

// ---- the mma fragments (PTX ISA, mma.m16n8k16 with .f16 operands; g = lane / 4, t = lane % 4) ----
// A (16 x 16, row-major): registers 0 and 2 hold row g, registers 1 and 3 row g + 8; registers 0 and 1 columns
// 2t, 2t+1, registers 2 and 3 columns 2t+8, 2t+9 (lower column in the lower 16 bits).
// B (16 x 8, column-major): register 0 rows 2t, 2t+1, register 1 rows 2t+8, 2t+9, of column g.
// C and D: as the integer mma (c0, c1 row g, columns 2t, 2t+1; c2, c3 row g + 8).
//
// Lane (g, t) loads values 8t .. 8t+7 of its chunk (16 bytes, words w0..w3 of two halves each) from feature rows
// g and g + 8 and from token g; the chunk's first mma takes words 0 and 1, the second words 2 and 3:
// mma j, slot 2t + i is value 8t + 4j + i, slot 2t + 8 + i is value 8t + 4j + 2 + i.

// A registers of mma j from this lane's words of rows g (wg) and g + 8 (wg8).
SL_HD void sl_mmf_a(const uint32_t wg[4], const uint32_t wg8[4], int j, uint32_t a[4]) {
    a[0] = wg[2 * j];
    a[1] = wg8[2 * j];
    a[2] = wg[2 * j + 1];
    a[3] = wg8[2 * j + 1];
}

// B registers of mma j from this lane's words of its token.
SL_HD void sl_mmf_b(const uint32_t x[4], int j, uint32_t b[2]) {
    b[0] = x[2 * j];
    b[1] = x[2 * j + 1];
}

// This lane's four words at value 8t of chunk c of a row of halves (16-byte aligned on the device: rows are
// whole chunks of 64 bytes); null gives zeros (a token past the batch).
SL_HD void sl_mmf_words(const uint16_t* row, int c, int t, uint32_t w[4]) {
    if (row == 0) {
        w[0] = w[1] = w[2] = w[3] = 0;
        return;
    }
    sl_load16((const uint8_t*) (row + 32 * c + 8 * t), w);
}
