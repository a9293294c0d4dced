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

// Where thread `thread` of the block at (bx, by) works: its warp (= lane accumulator), its place (g, t) in the
// mma's layout, the block's first token and feature, how many of the block's token tiles hold tokens, and the
// weight rows of features g and g + 8 (features past n read row n - 1; their sums are never stored).
struct SlMmqLane {
    int warp;
    int g;
    int t;
    int token0;
    int feature0;
    int tiles;
    const uint8_t* rowG;
    const uint8_t* rowG8;
};

SL_HD SlMmqLane sl_mmq_lane(int thread, int bx, int by, const uint8_t* w, uint64_t rowBytes, int n, int m) {
    SlMmqLane l;
    int lane = thread % 32;
    l.warp = thread / 32;
    l.g = lane >> 2;
    l.t = lane & 3;
    l.token0 = bx * (SL_MMQ_TOKENS * SL_MMQ_TILES);
    l.feature0 = by * SL_MMQ_FEATURES;
    int tiles = (m - l.token0 + SL_MMQ_TOKENS - 1) / SL_MMQ_TOKENS;
    l.tiles = tiles < SL_MMQ_TILES ? tiles : SL_MMQ_TILES;
    int fG = l.feature0 + l.g < n ? l.feature0 + l.g : n - 1;
    int fG8 = l.feature0 + l.g + 8 < n ? l.feature0 + l.g + 8 : n - 1;
    l.rowG = w + (uint64_t) fG * rowBytes;
    l.rowG8 = w + (uint64_t) fG8 * rowBytes;
    return l;
}
