// The tile both tensor-core products share (int8_product.cuh, half_product.cuh): a block of SL_MMQ_LANES warps
// owns SL_MMQ_FEATURES output features by SL_MMQ_TILES * SL_MMQ_TOKENS tokens; warp L keeps lane accumulator L of
// every element, four per lane and token tile in the mma's accumulator layout (c0, c1 at feature g, tokens 2t and
// 2t+1; c2, c3 at feature g + 8; g = lane / 4, t = lane % 4). At the end the warps leave their accumulators in
// shared memory and each element is the sum of its eight lanes in the CPU's tree.
#pragma once

#include "gguf_blocks.cuh"

#if !defined(__CUDA_ARCH__)
#include <cmath>
#endif

// Tile of one warp: 16 output features (the mma's M) by SL_MMQ_TILES tiles of 8 tokens (its N).
#define SL_MMQ_FEATURES 16
#define SL_MMQ_TOKENS 8
#define SL_MMQ_TILES 4
// Warps per block: one per lane accumulator of the CPU order (io.sluice.tensor.cpu.LaneSum.LANES).
#define SL_MMQ_LANES 8
// Elements of a block's tile, and floats of its shared lane array.
#define SL_MMQ_ELEMS (SL_MMQ_FEATURES * SL_MMQ_TOKENS * SL_MMQ_TILES)

// ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)), lane L at a[L * stride].
SL_HD float sl_lane_sum8(const float* a, int stride) {
    return ((a[0] + a[stride]) + (a[2 * stride] + a[3 * stride]))
            + ((a[4 * stride] + a[5 * stride]) + (a[6 * stride] + a[7 * stride]));
}

// x * 2^shift, exact unless it leaves the normal range.
SL_HD float sl_scale2(float x, int shift) {
#if defined(__CUDA_ARCH__)
    return ldexpf(x, shift);
#else
    return std::ldexp(x, shift);
#endif
}

// Index of (feature f, token j) of a block's tile in a warp's part of the lane array (features fastest).
SL_HD int sl_mmq_slot(int f, int j) {
    return j * SL_MMQ_FEATURES + f;
}

// One lane's accumulators into its warp's part of the lane array.
SL_HD void sl_mmq_store(const float acc[SL_MMQ_TILES][4], float* mine, int g, int t) {
    for (int tile = 0; tile < SL_MMQ_TILES; tile++) {
        int j = SL_MMQ_TOKENS * tile + 2 * t;
        mine[sl_mmq_slot(g, j)] = acc[tile][0];
        mine[sl_mmq_slot(g, j + 1)] = acc[tile][1];
        mine[sl_mmq_slot(g + 8, j)] = acc[tile][2];
        mine[sl_mmq_slot(g + 8, j + 1)] = acc[tile][3];
    }
}

// Element e of the tile of the block at (token0, feature0): its eight lanes summed and stored, times 2^-shift of
// its token when shifts is given; nothing past n features or m tokens.
SL_HD void sl_mmq_result(const float* lanes, int e, int token0, int feature0, float* y, int ldy, int n, int m,
        const int* shifts) {
    int feature = feature0 + e % SL_MMQ_FEATURES;
    int token = token0 + e / SL_MMQ_FEATURES;
    if (feature < n && token < m) {
        float v = sl_lane_sum8(lanes + e, SL_MMQ_ELEMS);
        y[(long long) token * ldy + feature] = shifts ? sl_scale2(v, -shifts[token]) : v;
    }
}

// Token tiles (of 8) the block starting at token0 has work in, at most SL_MMQ_TILES.
SL_HD int sl_mmq_tiles(int token0, int m) {
    int tiles = (m - token0 + SL_MMQ_TOKENS - 1) / SL_MMQ_TOKENS;
    return tiles < SL_MMQ_TILES ? tiles : SL_MMQ_TILES;
}
