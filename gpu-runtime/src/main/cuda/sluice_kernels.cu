// Sluice's CUDA kernels: the operations of one forward step on device memory. Compiled to PTX for sm_80 and
// sm_90 by the Maven build (nvcc -ptx --fmad=false) and loaded through the CUDA driver API.
//
// Replay safety. Every output element is produced by one thread, warp or block whose work and order of
// additions are fixed by the shapes of the model alone (dim, K, head size, position), never by the number
// of rows in the step or by the values of other rows: no split-K chosen from the batch size, no atomics in
// any reduction. --fmad=false stops the compiler from fusing a multiply and an add on its own; fused
// multiply-adds appear only where written (fmaf), so every instantiation of a template adds in the same way.
// Each kernel states its reduction order below.
//
// Activations are fp32 row-major; row r of an activation with leading dimension ld starts at r * ld.
// Weights stay in their GGUF encoding: row n (output feature n) of a [K -> N] matrix is K values encoded
// contiguously, rowBytes apart.

#include "gguf_blocks.cuh"
#include "int8_product.cuh"
#include "half_product.cuh"
#include "sl_exp.cuh"

#define SL_WARP 32
#define SL_FULL_MASK 0xffffffffu

// --------------------------------------------------------------------------------------------------------
// Warp and block reductions in one fixed shape: a butterfly over lanes (xor 16, 8, 4, 2, 1), then warp
// partials combined in warp order by warp 0. Same shape, same bits, whatever else the launch holds.
// --------------------------------------------------------------------------------------------------------

__device__ __forceinline__ float sl_warp_sum(float v) {
    for (int offset = 16; offset > 0; offset >>= 1) {
        v = __fadd_rn(v, __shfl_xor_sync(SL_FULL_MASK, v, offset));
    }
    return v;
}

__device__ __forceinline__ double sl_warp_sum_d(double v) {
    for (int offset = 16; offset > 0; offset >>= 1) {
        v = __dadd_rn(v, __shfl_xor_sync(SL_FULL_MASK, v, offset));
    }
    return v;
}

__device__ __forceinline__ float sl_warp_max(float v) {
    for (int offset = 16; offset > 0; offset >>= 1) {
        v = fmaxf(v, __shfl_xor_sync(SL_FULL_MASK, v, offset));
    }
    return v;
}

// Sum over a block of blockDim.x threads (a multiple of 32, at most 1024); every thread gets the result.
__device__ float sl_block_sum(float v, float* scratch) {
    int lane = threadIdx.x % SL_WARP;
    int warp = threadIdx.x / SL_WARP;
    int warps = blockDim.x / SL_WARP;
    v = sl_warp_sum(v);
    __syncthreads();
    if (lane == 0) {
        scratch[warp] = v;
    }
    __syncthreads();
    if (warp == 0) {
        float w = lane < warps ? scratch[lane] : 0.0f;
        w = sl_warp_sum(w);
        if (lane == 0) {
            scratch[0] = w;
        }
    }
    __syncthreads();
    return scratch[0];
}

__device__ double sl_block_sum_d(double v, double* scratch) {
    int lane = threadIdx.x % SL_WARP;
    int warp = threadIdx.x / SL_WARP;
    int warps = blockDim.x / SL_WARP;
    v = sl_warp_sum_d(v);
    __syncthreads();
    if (lane == 0) {
        scratch[warp] = v;
    }
    __syncthreads();
    if (warp == 0) {
        double w = lane < warps ? scratch[lane] : 0.0;
        w = sl_warp_sum_d(w);
        if (lane == 0) {
            scratch[0] = w;
        }
    }
    __syncthreads();
    return scratch[0];
}

// Maximum is exact in any order; still done in the same fixed shape.
__device__ float sl_block_max(float v, float* scratch) {
    int lane = threadIdx.x % SL_WARP;
    int warp = threadIdx.x / SL_WARP;
    int warps = blockDim.x / SL_WARP;
    v = sl_warp_max(v);
    __syncthreads();
    if (lane == 0) {
        scratch[warp] = v;
    }
    __syncthreads();
    if (warp == 0) {
        float w = lane < warps ? scratch[lane] : -INFINITY;
        w = sl_warp_max(w);
        if (lane == 0) {
            scratch[0] = w;
        }
    }
    __syncthreads();
    return scratch[0];
}

// --------------------------------------------------------------------------------------------------------
// Embedding lookup: out[r, :] = decoded row tokens[r] of the table. One thread per 32-value chunk; no sums.
// grid = (ceil(chunks / blockDim.x), rows).
// --------------------------------------------------------------------------------------------------------

template <int TYPE>
__device__ void sl_embed(const uint8_t* table, unsigned long long rowBytes, const int* tokens, float* out,
        int dim) {
    int chunk = blockIdx.x * blockDim.x + threadIdx.x;
    int r = blockIdx.y;
    if (32 * chunk >= dim) {
        return;
    }
    float v[32];
    sl_decode_chunk<TYPE>(table + (unsigned long long) tokens[r] * rowBytes, chunk, dim, v);
    float* y = out + (long long) r * dim;
    for (int i = 0; i < 32 && 32 * chunk + i < dim; i++) {
        y[32 * chunk + i] = v[i];
    }
}

#define SL_EMBED(NAME, TYPE)                                                                                  \
    extern "C" __global__ void embed_##NAME(const uint8_t* table, unsigned long long rowBytes,                \
            const int* tokens, float* out, int dim) {                                                        \
        sl_embed<TYPE>(table, rowBytes, tokens, out, dim);                                                    \
    }

SL_EMBED(f32, SL_F32)
SL_EMBED(f16, SL_F16)
SL_EMBED(bf16, SL_BF16)
SL_EMBED(q8_0, SL_Q8_0)
SL_EMBED(q4_0, SL_Q4_0)
SL_EMBED(q5_0, SL_Q5_0)
SL_EMBED(q5_1, SL_Q5_1)
SL_EMBED(q4_k, SL_Q4_K)
SL_EMBED(q5_k, SL_Q5_K)
SL_EMBED(q6_k, SL_Q6_K)

// --------------------------------------------------------------------------------------------------------
// Matrix products y[r, n] = sum_k W[n, k] * x[r, k] with W in its GGUF encoding.
//
// One warp owns one output feature n for up to ROWS activation rows, so each weight byte is read once per
// ROWS rows. Reduction order of y[r, n], the same for every r and every launch: lane l takes the chunks
// c = l, l + 32, l + 64, ... in increasing order; for each chunk it decodes 32 weights and folds
// acc = fmaf(w[i], x[r, 32c + i], acc) for i = 0..31; then the 32 lane sums are combined by the butterfly of
// sl_warp_sum (xor 16, 8, 4, 2, 1). Rows never share an accumulator, and a row's operations do not depend
// on how many rows the launch covers, so a row gets the same bits alone or in any batch.
// grid = (ceil(M / ROWS), ceil(N / warpsPerBlock)); block = 32 * warpsPerBlock threads. Row groups run along x
// so that the blocks reading the same weight rows for different activation rows run side by side and share
// those rows through L2 instead of each reading them from memory.
// --------------------------------------------------------------------------------------------------------

#define SL_MM_ROWS 8

template <int TYPE>
__device__ void sl_matmul(const uint8_t* __restrict__ w, unsigned long long rowBytes, const float* __restrict__ x,
        int ldx, float* __restrict__ y, int ldy, int k, int n, int m) {
    int lane = threadIdx.x % SL_WARP;
    int feature = blockIdx.y * (blockDim.x / SL_WARP) + threadIdx.x / SL_WARP;
    int row0 = blockIdx.x * SL_MM_ROWS;
    if (feature >= n) {
        return;
    }
    int rows = min(SL_MM_ROWS, m - row0);
    const uint8_t* wrow = w + (unsigned long long) feature * rowBytes;
    const float* xr = x + (long long) row0 * ldx;
    int chunks = (k + 31) / 32;
    float acc[SL_MM_ROWS];
#pragma unroll
    for (int r = 0; r < SL_MM_ROWS; r++) {
        acc[r] = 0.0f;
    }
    // 16-byte loads where alignment allows; they change which instructions load, never the values or the order.
    const bool floatType = TYPE == SL_F32 || TYPE == SL_F16 || TYPE == SL_BF16;
    const bool wideW = floatType && (rowBytes % 16 == 0) && ((unsigned long long) w % 16 == 0);
    const bool wideX = (ldx % 4 == 0) && ((unsigned long long) x % 16 == 0);
    for (int c = lane; c < chunks; c += SL_WARP) {
        float wv[32];
        if (wideW && 32 * c + 32 <= k) {
            sl_decode_chunk_wide<TYPE>(wrow, c, wv);
        } else {
            sl_decode_chunk<TYPE>(wrow, c, k, wv);
        }
#pragma unroll
        for (int r = 0; r < SL_MM_ROWS; r++) {
            if (r < rows) {
                const float* xc = xr + (long long) r * ldx + 32 * c;
                // The float types' last chunk may run past k: its weights decode to zero, and x is not read there.
                if (32 * c + 32 <= k && wideX) {
                    const float4* xv = (const float4*) xc;
#pragma unroll
                    for (int j = 0; j < 8; j++) {
                        float4 t = xv[j];
                        acc[r] = fmaf(wv[4 * j], t.x, acc[r]);
                        acc[r] = fmaf(wv[4 * j + 1], t.y, acc[r]);
                        acc[r] = fmaf(wv[4 * j + 2], t.z, acc[r]);
                        acc[r] = fmaf(wv[4 * j + 3], t.w, acc[r]);
                    }
                } else if (32 * c + 32 <= k) {
#pragma unroll
                    for (int i = 0; i < 32; i++) {
                        acc[r] = fmaf(wv[i], xc[i], acc[r]);
                    }
                } else {
                    for (int i = 0; i < 32; i++) {
                        acc[r] = fmaf(wv[i], 32 * c + i < k ? xc[i] : 0.0f, acc[r]);
                    }
                }
            }
        }
    }
#pragma unroll
    for (int r = 0; r < SL_MM_ROWS; r++) {
        float s = sl_warp_sum(acc[r]);
        if (lane == 0 && r < rows) {
            y[(long long) (row0 + r) * ldy + feature] = s;
        }
    }
}

#define SL_MATMUL(NAME, TYPE)                                                                                 \
    extern "C" __global__ void matmul_##NAME(const uint8_t* __restrict__ w, unsigned long long rowBytes,      \
            const float* __restrict__ x, int ldx, float* __restrict__ y, int ldy, int k, int n, int m) {     \
        sl_matmul<TYPE>(w, rowBytes, x, ldx, y, ldy, k, n, m);                                                \
    }

SL_MATMUL(f32, SL_F32)
SL_MATMUL(f16, SL_F16)
SL_MATMUL(bf16, SL_BF16)
SL_MATMUL(q8_0, SL_Q8_0)
SL_MATMUL(q4_0, SL_Q4_0)
SL_MATMUL(q5_0, SL_Q5_0)
SL_MATMUL(q5_1, SL_Q5_1)
SL_MATMUL(q4_k, SL_Q4_K)
SL_MATMUL(q5_k, SL_Q5_K)
SL_MATMUL(q6_k, SL_Q6_K)

// --------------------------------------------------------------------------------------------------------
// Quantized weights times 8-bit activations on tensor cores: the CPU backend's Int8Kernel order to the bit
// (int8_product.cuh says why the bits match and why the batch cannot change them).
// --------------------------------------------------------------------------------------------------------

// Activation rows to 8 bits in blocks of 32: q (k per row), d and the sums of q (k / 32 per row). One warp per
// block; grid = ceil(rows * k / 32 / 8), block = 256. The maximum is exact in any order, the sum an integer.
extern "C" __global__ void quantize_q8(const float* __restrict__ x, int ldx, int8_t* __restrict__ q,
        float* __restrict__ d, int* __restrict__ sums, int k, int rows) {
    int lane = threadIdx.x % SL_WARP;
    int perRow = k / 32;
    long long id = (long long) blockIdx.x * (blockDim.x / SL_WARP) + threadIdx.x / SL_WARP;
    if (id >= (long long) rows * perRow) {
        return;   // the whole warp
    }
    long long r = id / perRow;
    int b = (int) (id % perRow);
    float v = x[r * ldx + 32 * b + lane];
    float amax = fabsf(v);
    for (int offset = 16; offset > 0; offset >>= 1) {
        amax = sl_max_nan(amax, __shfl_xor_sync(SL_FULL_MASK, amax, offset));
    }
    float scale;
    float inv;
    sl_q8_scale(amax, &scale, &inv);
    int qi = sl_q8_round(v, inv);
    q[r * k + 32 * b + lane] = (int8_t) qi;
    int s = qi;
    for (int offset = 16; offset > 0; offset >>= 1) {
        s += __shfl_xor_sync(SL_FULL_MASK, s, offset);
    }
    if (lane == 0) {
        d[id] = scale;
        sums[id] = s;
    }
}

// Every accumulator of a lane to +0 (the CPU's lanes start there).
__device__ __forceinline__ void sl_mmq_zero(float acc[SL_MMQ_TILES][4]) {
#pragma unroll
    for (int tile = 0; tile < SL_MMQ_TILES; tile++) {
#pragma unroll
        for (int e = 0; e < 4; e++) {
            acc[tile][e] = 0.0f;
        }
    }
}

// The end of a tensor-core product block (mma_tile.cuh): accumulators to shared memory, then every element of
// the tile summed over the eight lane warps and stored. Every thread of the block must call it.
__device__ __forceinline__ void sl_mmq_finish(const float acc[SL_MMQ_TILES][4], float* lanes, const SlMmqLane& l,
        float* __restrict__ y, int ldy, int n, int m, const int* shifts) {
    sl_mmq_store(acc, lanes + l.warp * SL_MMQ_ELEMS, l.g, l.t);
    __syncthreads();
    for (int e = threadIdx.x; e < SL_MMQ_ELEMS; e += blockDim.x) {
        sl_mmq_result(lanes, e, l.token0, l.feature0, y, ldy, n, m, shifts);
    }
}

// d = a * b (+ 0) for one warp: a m16n8k16 tensor-core product of int8 into exact int32 sums.
__device__ __forceinline__ void sl_mma_s8(const uint32_t a[2], uint32_t b, int d[4]) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.s32.s8.s8.s32 {%0, %1, %2, %3}, {%4, %5}, {%6}, {%7, %8, %9, %10};"
            : "=r"(d[0]), "=r"(d[1]), "=r"(d[2]), "=r"(d[3])
            : "r"(a[0]), "r"(a[1]), "r"(b), "r"(0), "r"(0), "r"(0), "r"(0));
}

// y[j, f] = W[f, :] . x[j, :] with x quantized by quantize_q8. A block of SL_MMQ_LANES warps owns 16 features by
// SL_MMQ_TILES * 8 tokens; warp L takes the weight blocks b = L, L + 8, L + 16, ... in increasing order (its
// lane accumulator), each as two k16 halves, and the eight lanes are summed in the fixed tree at the end.
// grid = (ceil(m / (8 * SL_MMQ_TILES)), ceil(n / 16)): the token tiles of one feature tile are neighbours, so
// the weights they share come from L2. No early return: every thread reaches the barrier.
template <int TYPE>
__device__ void sl_mmq(const uint8_t* __restrict__ w, unsigned long long rowBytes, const int8_t* __restrict__ xq,
        const float* __restrict__ xd, const int* __restrict__ xs, float* __restrict__ y, int ldy, int k, int n,
        int m) {
    __shared__ float lanes[SL_MMQ_LANES * SL_MMQ_ELEMS];
    const SlMmqLane l = sl_mmq_lane(threadIdx.x, blockIdx.x, blockIdx.y, w, rowBytes, n, m);
    const int blocks = k / 32;
    float acc[SL_MMQ_TILES][4];
    sl_mmq_zero(acc);
#pragma unroll 2
    for (int blk = l.warp; blk < blocks; blk += SL_MMQ_LANES) {
        uint32_t a0[2];
        uint32_t a1[2];
        sl_mmq_a<TYPE>(l.rowG, l.rowG8, blk, 0, l.t, a0);
        sl_mmq_a<TYPE>(l.rowG, l.rowG8, blk, 1, l.t, a1);
        SlWeightTerms wg = sl_wterms<TYPE>(l.rowG, blk);
        SlWeightTerms wg8 = sl_wterms<TYPE>(l.rowG8, blk);
#pragma unroll
        for (int tile = 0; tile < SL_MMQ_TILES; tile++) {
            if (tile < l.tiles) {   // the same for the whole warp, as mma.sync needs
                int tb = l.token0 + SL_MMQ_TOKENS * tile;
                const int8_t* xqRow = tb + l.g < m ? xq + (long long) (tb + l.g) * k : nullptr;
                int lo[4];
                int hi[4];
                sl_mma_s8(a0, sl_mmq_b(xqRow, blk, 0, l.t), lo);
                sl_mma_s8(a1, sl_mmq_b(xqRow, blk, 1, l.t), hi);
                int j0 = tb + 2 * l.t;
                int j1 = j0 + 1;
                float dx0 = j0 < m ? xd[(long long) j0 * blocks + blk] : 0.0f;
                float dx1 = j1 < m ? xd[(long long) j1 * blocks + blk] : 0.0f;
                int sx0 = j0 < m ? xs[(long long) j0 * blocks + blk] : 0;
                int sx1 = j1 < m ? xs[(long long) j1 * blocks + blk] : 0;
                acc[tile][0] = sl_fold<TYPE>(wg, lo[0], hi[0], dx0, sx0, acc[tile][0]);
                acc[tile][1] = sl_fold<TYPE>(wg, lo[1], hi[1], dx1, sx1, acc[tile][1]);
                acc[tile][2] = sl_fold<TYPE>(wg8, lo[2], hi[2], dx0, sx0, acc[tile][2]);
                acc[tile][3] = sl_fold<TYPE>(wg8, lo[3], hi[3], dx1, sx1, acc[tile][3]);
            }
        }
    }
    sl_mmq_finish(acc, lanes, l, y, ldy, n, m, nullptr);
}

// y[j, f] for at most SL_MVQ_ROWS tokens: the same bits as sl_mmq (int8_product.cuh says why), read at the pace
// of memory. One warp per feature; grid = ceil(n / 8), block = 256.
template <int TYPE>
__device__ void sl_mvq(const uint8_t* __restrict__ w, unsigned long long rowBytes, const int8_t* __restrict__ xq,
        const float* __restrict__ xd, const int* __restrict__ xs, float* __restrict__ y, int ldy, int k, int n,
        int m) {
    int lane = threadIdx.x % SL_WARP;
    int feature = blockIdx.x * (blockDim.x / SL_WARP) + threadIdx.x / SL_WARP;
    if (feature >= n) {
        return;   // the whole warp
    }
    int group = lane >> 2;
    int s = lane & 3;
    int blocks = k / 32;
    const uint8_t* row = w + (unsigned long long) feature * rowBytes;
    float acc[SL_MVQ_ROWS];
#pragma unroll
    for (int j = 0; j < SL_MVQ_ROWS; j++) {
        acc[j] = 0.0f;
    }
    // Every lane runs the same number of steps (shuffles need the whole warp); groups past the last block add 0.
#pragma unroll 2
    for (int base = 0; base < blocks; base += SL_MMQ_LANES) {
        int blk = base + group;
        bool mine = blk < blocks;
        // Only the lane that folds (s = 0) needs the block's scales.
        SlWeightTerms wt = mine && s == 0 ? sl_wterms<TYPE>(row, blk) : SlWeightTerms {0.0f, 0.0f, 0, 0, 0};
#pragma unroll
        for (int j = 0; j < SL_MVQ_ROWS; j++) {
            if (j < m) {
                int part = mine ? sl_mvq_part<TYPE>(row, xq + (long long) j * k, blk, s) : 0;
                // Lanes s = 0, 1 make lo, s = 2, 3 hi; then lo and hi meet at s = 0.
                part += __shfl_xor_sync(SL_FULL_MASK, part, 1);
                int hi = __shfl_down_sync(SL_FULL_MASK, part, 2);
                if (mine && s == 0) {
                    long long at = (long long) j * blocks + blk;
                    acc[j] = sl_fold<TYPE>(wt, part, hi, xd[at], xs[at], acc[j]);
                }
            }
        }
    }
#pragma unroll
    for (int j = 0; j < SL_MVQ_ROWS; j++) {
        if (j < m) {
            float lanes[SL_MMQ_LANES];
#pragma unroll
            for (int l = 0; l < SL_MMQ_LANES; l++) {
                lanes[l] = __shfl_sync(SL_FULL_MASK, acc[j], 4 * l);
            }
            if (lane == 0) {
                y[(long long) j * ldy + feature] = sl_lane_sum8(lanes, 1);
            }
        }
    }
}

#define SL_MMQ(NAME, TYPE)                                                                                    \
    extern "C" __global__ void __launch_bounds__(SL_WARP * SL_MMQ_LANES) mmq_##NAME(const uint8_t* __restrict__ w, \
            unsigned long long rowBytes, const int8_t* __restrict__ xq, const float* __restrict__ xd,              \
            const int* __restrict__ xs, float* __restrict__ y, int ldy, int k, int n, int m) {                     \
        sl_mmq<TYPE>(w, rowBytes, xq, xd, xs, y, ldy, k, n, m);                                               \
    }                                                                                                         \
    extern "C" __global__ void mvq_##NAME(const uint8_t* __restrict__ w, unsigned long long rowBytes,         \
            const int8_t* __restrict__ xq, const float* __restrict__ xd, const int* __restrict__ xs,              \
            float* __restrict__ y, int ldy, int k, int n, int m) {                                             \
        sl_mvq<TYPE>(w, rowBytes, xq, xd, xs, y, ldy, k, n, m);                                               \
    }

SL_MMQ(q8_0, SL_Q8_0)
SL_MMQ(q4_0, SL_Q4_0)
SL_MMQ(q5_0, SL_Q5_0)
SL_MMQ(q5_1, SL_Q5_1)
SL_MMQ(q4_k, SL_Q4_K)
SL_MMQ(q5_k, SL_Q5_K)
SL_MMQ(q6_k, SL_Q6_K)

// --------------------------------------------------------------------------------------------------------
// F16 weights times float activations on tensor cores, to float accuracy (half_product.cuh: the split, why a
// row's bits do not depend on its batch).
// --------------------------------------------------------------------------------------------------------

// Activation rows as hi and lo halves (k per row) scaled by 2^shifts[r]. One block per row; grid = rows, block = 256.
// Non-finite values drop out of the maximum (fmaxf) and stay non-finite in the halves.
extern "C" __global__ void split_f16(const float* __restrict__ x, int ldx, uint16_t* __restrict__ hi,
        uint16_t* __restrict__ lo, int* __restrict__ shifts, int k) {
    __shared__ float scratch[32];
    const float* xr = x + (long long) blockIdx.x * ldx;
    float amax = 0.0f;
    for (int i = threadIdx.x; i < k; i += blockDim.x) {
        amax = fmaxf(amax, fabsf(xr[i]));
    }
    int shift = sl_split_shift(sl_block_max(amax, scratch));
    long long at = (long long) blockIdx.x * k;
    for (int i = threadIdx.x; i < k; i += blockDim.x) {
        sl_split(xr[i], shift, hi + at + i, lo + at + i);
    }
    if (threadIdx.x == 0) {
        shifts[blockIdx.x] = shift;
    }
}

// c += a * b for one warp: a m16n8k16 tensor-core product of halves into float accumulators.
__device__ __forceinline__ void sl_mma_f16(const uint32_t a[4], const uint32_t b[2], float c[4]) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
            "{%0, %1, %2, %3};"
            : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
            : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

// y[j, f] = W[f, :] . x[j, :] for F16 weights, x split by split_f16; k a multiple of 32. The same blocks, tiles and
// grid as the integer product: warp L folds the chunks L, L + 8, ... and the eight warps are summed in the lane
// tree, then scaled back by 2^-shift of the token's row.
extern "C" __global__ void __launch_bounds__(SL_WARP * SL_MMQ_LANES) mmf_f16(const uint16_t* __restrict__ w,
        unsigned long long rowBytes, const uint16_t* __restrict__ xh, const uint16_t* __restrict__ xl,
        const int* __restrict__ shifts, float* __restrict__ y, int ldy, int k, int n, int m) {
    __shared__ float lanes[SL_MMQ_LANES * SL_MMQ_ELEMS];
    const SlMmqLane l = sl_mmq_lane(threadIdx.x, blockIdx.x, blockIdx.y, (const uint8_t*) w, rowBytes, n, m);
    const uint16_t* rowG = (const uint16_t*) l.rowG;
    const uint16_t* rowG8 = (const uint16_t*) l.rowG8;
    const int chunks = k / 32;
    float acc[SL_MMQ_TILES][4];
    sl_mmq_zero(acc);
    // Unrolled so that each warp has several chunks' loads in flight (a lone token is a bandwidth problem).
#pragma unroll 4
    for (int c = l.warp; c < chunks; c += SL_MMQ_LANES) {
        uint32_t wg[4];
        uint32_t wg8[4];
        sl_mmf_words(rowG, c, l.t, wg);
        sl_mmf_words(rowG8, c, l.t, wg8);
        uint32_t a0[4];
        uint32_t a1[4];
        sl_mmf_a(wg, wg8, 0, a0);
        sl_mmf_a(wg, wg8, 1, a1);
#pragma unroll
        for (int tile = 0; tile < SL_MMQ_TILES; tile++) {
            if (tile < l.tiles) {   // the same for the whole warp, as mma.sync needs
                int token = l.token0 + SL_MMQ_TOKENS * tile + l.g;
                uint32_t xw[4];
                uint32_t b[2];
                sl_mmf_words(token < m ? xh + (long long) token * k : nullptr, c, l.t, xw);
                sl_mmf_b(xw, 0, b);
                sl_mma_f16(a0, b, acc[tile]);
                sl_mmf_b(xw, 1, b);
                sl_mma_f16(a1, b, acc[tile]);
                sl_mmf_words(token < m ? xl + (long long) token * k : nullptr, c, l.t, xw);
                sl_mmf_b(xw, 0, b);
                sl_mma_f16(a0, b, acc[tile]);
                sl_mmf_b(xw, 1, b);
                sl_mma_f16(a1, b, acc[tile]);
            }
        }
    }
    sl_mmq_finish(acc, lanes, l, y, ldy, n, m, shifts);
}

// --------------------------------------------------------------------------------------------------------
// RMSNorm: y[r, :] = x[r, :] * (1 / sqrt(mean(x^2) + eps)) * weight. One block per row. The sum of squares is
// in double: thread t adds x[t], x[t + B], x[t + 2B], ... (B = blockDim.x) in order, then sl_block_sum_d.
// grid = rows; block = 256 (fixed by the host, never by the batch).
// --------------------------------------------------------------------------------------------------------

extern "C" __global__ void rms_norm(const float* x, float* y, const float* weight, int dim, float eps) {
    __shared__ double scratch[32];
    const float* xr = x + (long long) blockIdx.x * dim;
    float* yr = y + (long long) blockIdx.x * dim;
    double ss = 0.0;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) {
        float v = xr[i];
        ss = __dadd_rn(ss, (double) __fmul_rn(v, v));
    }
    ss = sl_block_sum_d(ss, scratch);
    float mean = (float) (ss / dim);
    float scale = 1.0f / sqrtf(mean + eps);
    for (int i = threadIdx.x; i < dim; i += blockDim.x) {
        yr[i] = __fmul_rn(__fmul_rn(xr[i], scale), weight[i]);
    }
}

// --------------------------------------------------------------------------------------------------------
// Element-wise operations (no reductions).
// --------------------------------------------------------------------------------------------------------

// x[i] += y[i] for i < n.
extern "C" __global__ void add_inplace(float* x, const float* y, long long n) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        x[i] = __fadd_rn(x[i], y[i]);
    }
}

// x[r, i] += bias[i] for i < d, rows of leading dimension ld; grid = (ceil(d / block), rows).
extern "C" __global__ void add_bias(float* x, int ld, const float* bias, int d) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < d) {
        float* xr = x + (long long) blockIdx.y * ld;
        xr[i] = __fadd_rn(xr[i], bias[i]);
    }
}

// gate[i] = silu(gate[i]) * up[i] for i < n: g / (1 + e^-g) * u with the CPU backend's exp (sl_exp.cuh), so the
// same bits as its SwiGLU.
extern "C" __global__ void swiglu(float* gate, const float* up, long long n) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        float g = gate[i];
        gate[i] = __fmul_rn(__fdiv_rn(g, __fadd_rn(1.0f, sl_exp(-g))), up[i]);
    }
}

// dst[j, :] = src[rows[j], :] for j < m; dim floats each; grid = (ceil(dim / block), m).
extern "C" __global__ void gather_rows(float* dst, const float* src, const int* rows, int dim) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < dim) {
        dst[(long long) blockIdx.y * dim + i] = src[(long long) rows[blockIdx.y] * dim + i];
    }
}

// --------------------------------------------------------------------------------------------------------
// RoPE on `heads` heads of headDim values per row (leading dimension ld), rotating the first ropeDim values
// of each head: pairs (2i, 2i+1) when halves == 0 (Llama's GGUF files), (i, i + ropeDim/2) when halves != 0
// (Qwen2, NeoX). cos and sin come from the host's tables (io.sluice.tensor.RopeTable: position p, pair i at
// p * ropeDim/2 + i), which already hold the per-dimension frequency factors, so the rotation is the CPU
// backend's to the bit. No reductions.
// grid = (heads, rows); block = ropeDim / 2 threads (rounded up to 32 by the host).
// --------------------------------------------------------------------------------------------------------

extern "C" __global__ void rope(float* x, int ld, const int* positions, const float* cosTable,
        const float* sinTable, int headDim, int ropeDim, int halves) {
    int half = ropeDim / 2;
    int i = threadIdx.x;
    if (i >= half) {
        return;
    }
    int h = blockIdx.x;
    int r = blockIdx.y;
    long long at = (long long) positions[r] * half + i;
    float c = cosTable[at];
    float s = sinTable[at];
    float* base = x + (long long) r * ld + (long long) h * headDim;
    int a = halves ? i : 2 * i;
    int b = halves ? i + half : 2 * i + 1;
    float x0 = base[a];
    float x1 = base[b];
    base[a] = __fsub_rn(__fmul_rn(x0, c), __fmul_rn(x1, s));
    base[b] = __fadd_rn(__fmul_rn(x0, s), __fmul_rn(x1, c));
}

// --------------------------------------------------------------------------------------------------------
// Paged KV cache. One layer's keys (and, separately, values) are slots * kvDim entries; slot s of block b is
// global slot b * blockSize + s. F32 stores floats (as the CPU backend), F16 halves; 8-bit stores int8 quants plus one float scale per 32
// values (scale = max|x| / 127, q = round(x / scale), as io.sluice.kv.Q8KvCacheStorage).
// --------------------------------------------------------------------------------------------------------

// Writes row r of k and v (kvDim each, leading dimensions ldk, ldv) into slots[r]. grid = (ceil(kvDim/B), rows).
extern "C" __global__ void kv_write_f32(const float* k, int ldk, const float* v, int ldv, const int* slots,
        float* keys, float* values, int kvDim) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < kvDim) {
        long long at = (long long) slots[blockIdx.y] * kvDim + i;
        keys[at] = k[(long long) blockIdx.y * ldk + i];
        values[at] = v[(long long) blockIdx.y * ldv + i];
    }
}

extern "C" __global__ void kv_write_f16(const float* k, int ldk, const float* v, int ldv, const int* slots,
        unsigned short* keys, unsigned short* values, int kvDim) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < kvDim) {
        long long at = (long long) slots[blockIdx.y] * kvDim + i;
        keys[at] = __half_as_ushort(__float2half_rn(k[(long long) blockIdx.y * ldk + i]));
        values[at] = __half_as_ushort(__float2half_rn(v[(long long) blockIdx.y * ldv + i]));
    }
}

__device__ __forceinline__ void sl_quantize32(float x, signed char* q, float* scale, int lane) {
    float amax = sl_warp_max(fabsf(x));
    float d = __fdiv_rn(amax, 127.0f);
    float id = d != 0.0f ? __fdiv_rn(1.0f, d) : 0.0f;
    // Java's Math.round: floor(x + 0.5).
    q[lane] = (signed char) (int) floorf(__fadd_rn(__fmul_rn(x, id), 0.5f));
    if (lane == 0) {
        *scale = d;
    }
}

// One warp per 32-value block of row r; kvDim is a multiple of 32. grid = (kvDim / 32, rows); block = 32.
extern "C" __global__ void kv_write_q8(const float* k, int ldk, const float* v, int ldv, const int* slots,
        signed char* keyQuants, float* keyScales, signed char* valueQuants, float* valueScales, int kvDim) {
    int blk = blockIdx.x;
    int lane = threadIdx.x;
    int r = blockIdx.y;
    long long slot = slots[r];
    long long at = slot * kvDim + 32 * blk;
    long long scaleAt = slot * (kvDim / 32) + blk;
    sl_quantize32(k[(long long) r * ldk + 32 * blk + lane], keyQuants + at, keyScales + scaleAt, lane);
    sl_quantize32(v[(long long) r * ldv + 32 * blk + lane], valueQuants + at, valueScales + scaleAt, lane);
}

// --------------------------------------------------------------------------------------------------------
// Paged causal attention. One block of SL_ATT_THREADS threads per (row, query head); the row at position p
// attends to positions 0..p of its own sequence through its block table (tables + tableOffsets[r]), with
// grouped-query heads (kv head = head / (heads / kvHeads)). Prefill and decode rows are the same case.
//
// Reduction order, fixed by p and headDim alone: positions are taken in tiles of SL_ATT_THREADS in increasing
// order. In a tile, thread t computes the score of position tile + t (dot of q and the key in dimension order,
// fmaf chain, times scale). The running maximum m, sum l and output o are updated once per tile:
// m' = max(m, tile max); l = l * exp(m - m') + block sum of exp(s - m') (sl_block_sum); for the output, the
// threads are split into G = SL_ATT_THREADS / headDim groups (G = 1 when headDim >= SL_ATT_THREADS, each thread
// then owning dimensions d, d + SL_ATT_THREADS, ...); group g adds the tile's positions g, g + G, ... in order,
// and the group partials are added in group order 0..G-1 into o = o * exp(m - m') + partial.
// --------------------------------------------------------------------------------------------------------

#define SL_ATT_THREADS 128
#define SL_ATT_MAX_HEAD 256

#define SL_KV_F32 0
#define SL_KV_F16 1
#define SL_KV_Q8 2

// One stored value of a KV cache of type KV at entry `at` (8-bit: times the scale of its 32-value block).
template <int KV>
__device__ __forceinline__ float sl_kv_value(const void* data, const float* scales, long long at) {
    if (KV == SL_KV_F32) {
        return ((const float*) data)[at];
    } else if (KV == SL_KV_F16) {
        return __half2float(__ushort_as_half(((const unsigned short*) data)[at]));
    } else {
        return __fmul_rn((float) ((const signed char*) data)[at], scales[at / 32]);
    }
}

template <int KV>
__device__ void sl_attention(const float* q, int ldq, float* out, int ldo, const int* positions, const int* tables,
        const int* tableOffsets, const void* keys, const float* keyScales, const void* values,
        const float* valueScales, int heads, int kvHeads, int headDim, int blockSize, float scale) {
    __shared__ float qs[SL_ATT_MAX_HEAD];
    __shared__ float scores[SL_ATT_THREADS];
    __shared__ float partial[SL_ATT_THREADS];
    __shared__ float acc[SL_ATT_MAX_HEAD];
    __shared__ float scratch[32];
    int h = blockIdx.x;
    int r = blockIdx.y;
    int tid = threadIdx.x;
    int p = positions[r];
    const int* table = tables + tableOffsets[r];
    int kvDim = kvHeads * headDim;
    int headOffset = (h / (heads / kvHeads)) * headDim;
    const float* qr = q + (long long) r * ldq + (long long) h * headDim;
    for (int d = tid; d < headDim; d += SL_ATT_THREADS) {
        qs[d] = qr[d];
        acc[d] = 0.0f;
    }
    __syncthreads();
    int groups = headDim >= SL_ATT_THREADS ? 1 : SL_ATT_THREADS / headDim;
    int group = tid / headDim;
    int dim = tid % headDim;
    float m = -INFINITY;
    float l = 0.0f;
    for (int tile = 0; tile <= p; tile += SL_ATT_THREADS) {
        int t = tile + tid;
        float s = -INFINITY;
        if (t <= p) {
            long long slot = (long long) table[t / blockSize] * blockSize + t % blockSize;
            long long at = slot * kvDim + headOffset;
            float dot = 0.0f;
            if (KV == SL_KV_Q8) {
                const signed char* kq = (const signed char*) keys + at;
                const float* ks = keyScales + slot * (kvDim / 32) + headOffset / 32;
                // Per 32-value block: the quant dot, then times the block's scale, added in block order.
                for (int b = 0; b < headDim / 32; b++) {
                    float part = 0.0f;
                    for (int i = 0; i < 32; i++) {
                        part = fmaf(qs[32 * b + i], (float) kq[32 * b + i], part);
                    }
                    dot = fmaf(part, ks[b], dot);
                }
            } else {
                for (int i = 0; i < headDim; i++) {
                    dot = fmaf(qs[i], sl_kv_value<KV>(keys, nullptr, at + i), dot);
                }
            }
            s = __fmul_rn(dot, scale);
        }
        float tileMax = sl_block_max(s, scratch);
        float mNew = fmaxf(m, tileMax);
        float e = t <= p ? sl_exp(s - mNew) : 0.0f;
        scores[tid] = e;
        float tileSum = sl_block_sum(e, scratch);
        float correction = m == -INFINITY ? 0.0f : sl_exp(m - mNew);
        l = fmaf(l, correction, tileSum);
        m = mNew;
        __syncthreads();
        int count = min(SL_ATT_THREADS, p + 1 - tile);
        if (groups == 1) {
            for (int d = tid; d < headDim; d += SL_ATT_THREADS) {
                float o = 0.0f;
                for (int j = 0; j < count; j++) {
                    long long slot = (long long) table[(tile + j) / blockSize] * blockSize + (tile + j) % blockSize;
                    long long at = slot * kvDim + headOffset + d;
                    float vv = sl_kv_value<KV>(values, valueScales, at);
                    o = fmaf(scores[j], vv, o);
                }
                acc[d] = fmaf(acc[d], correction, o);
            }
        } else {
            float o = 0.0f;
            if (group < groups) {
                for (int j = group; j < count; j += groups) {
                    long long slot = (long long) table[(tile + j) / blockSize] * blockSize + (tile + j) % blockSize;
                    long long at = slot * kvDim + headOffset + dim;
                    float vv = sl_kv_value<KV>(values, valueScales, at);
                    o = fmaf(scores[j], vv, o);
                }
            }
            partial[tid] = o;
            __syncthreads();
            if (tid < headDim) {
                float sum = 0.0f;
                for (int g = 0; g < groups; g++) {
                    sum = __fadd_rn(sum, partial[g * headDim + tid]);
                }
                acc[tid] = fmaf(acc[tid], correction, sum);
            }
        }
        __syncthreads();
    }
    float inv = __fdiv_rn(1.0f, l);
    float* orow = out + (long long) r * ldo + (long long) h * headDim;
    for (int d = tid; d < headDim; d += SL_ATT_THREADS) {
        orow[d] = __fmul_rn(acc[d], inv);
    }
}

extern "C" __global__ void __launch_bounds__(SL_ATT_THREADS) attention_f32(const float* q, int ldq, float* out,
        int ldo, const int* positions, const int* tables, const int* tableOffsets, const float* keys,
        const float* values, int heads, int kvHeads, int headDim, int blockSize, float scale) {
    sl_attention<SL_KV_F32>(q, ldq, out, ldo, positions, tables, tableOffsets, keys, nullptr, values, nullptr, heads,
            kvHeads, headDim, blockSize, scale);
}

extern "C" __global__ void __launch_bounds__(SL_ATT_THREADS) attention_f16(const float* q, int ldq, float* out,
        int ldo, const int* positions, const int* tables, const int* tableOffsets, const unsigned short* keys,
        const unsigned short* values, int heads, int kvHeads, int headDim, int blockSize, float scale) {
    sl_attention<SL_KV_F16>(q, ldq, out, ldo, positions, tables, tableOffsets, keys, nullptr, values, nullptr, heads,
            kvHeads, headDim, blockSize, scale);
}

extern "C" __global__ void __launch_bounds__(SL_ATT_THREADS) attention_q8(const float* q, int ldq, float* out,
        int ldo, const int* positions, const int* tables, const int* tableOffsets, const signed char* keyQuants,
        const float* keyScales, const signed char* valueQuants, const float* valueScales, int heads, int kvHeads,
        int headDim, int blockSize, float scale) {
    sl_attention<SL_KV_Q8>(q, ldq, out, ldo, positions, tables, tableOffsets, keyQuants, keyScales, valueQuants,
            valueScales, heads, kvHeads, headDim, blockSize, scale);
}
