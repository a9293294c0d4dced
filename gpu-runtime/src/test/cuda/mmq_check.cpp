// Host-side run of the GPU's integer products (src/main/cuda/int8_product.cuh, compiled here as plain C++):
// activations quantized as quantize_q8 does, then mmq_<type> block by block and warp by warp, with the
// m16n8k16 s8 mma emulated from the PTX ISA's fragment layout, and mvq_<type> lane by lane. Writes the quantized
// activations and the products; Int8ProductLayoutTest compares them bit for bit with the Java kernels.
//
// usage: mmq_check type k n m weights activations out
//   weights: n rows of k values of the GGML type; activations: m x k little-endian floats;
//   out: m x k quants, m x k/32 scales, m x k/32 sums, then m x n products of mmq (token by token), then for
//   m <= SL_MVQ_ROWS the m x n products of mvq.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "check_io.h"
#include "../../main/cuda/int8_product.cuh"

// What one mma.m16n8k16.s32.s8.s8.s32 with a zero C gives each lane, from each lane's A and B registers: the
// layout written out independently of the kernel's helpers (see the fragment notes in int8_product.cuh).
static void mma_emulated(const uint32_t a[32][2], const uint32_t b[32], int d[32][4]) {
    int A[16][16];
    int B[16][8];
    for (int lane = 0; lane < 32; lane++) {
        int g = lane >> 2;
        int t = lane & 3;
        for (int i = 0; i < 4; i++) {
            A[g][4 * t + i] = (int8_t) (a[lane][0] >> (8 * i));
            A[g + 8][4 * t + i] = (int8_t) (a[lane][1] >> (8 * i));
            B[4 * t + i][g] = (int8_t) (b[lane] >> (8 * i));
        }
    }
    for (int lane = 0; lane < 32; lane++) {
        int g = lane >> 2;
        int t = lane & 3;
        for (int e = 0; e < 4; e++) {
            int row = e < 2 ? g : g + 8;
            int col = 2 * t + (e & 1);
            int s = 0;
            for (int kk = 0; kk < 16; kk++) {
                s += A[row][kk] * B[kk][col];
            }
            d[lane][e] = s;
        }
    }
}

static void quantize(const std::vector<float>& x, int k, int m, std::vector<int8_t>& q, std::vector<float>& d,
        std::vector<int>& sums) {
    int perRow = k / 32;
    for (long id = 0; id < (long) m * perRow; id++) {
        long r = id / perRow;
        int b = (int) (id % perRow);
        const float* v = &x[r * k + 32 * b];
        // The warp's butterfly, lane by lane: max is exact in any order (NaN wins), so a plain fold is the same.
        float amax = std::fabs(v[0]);
        for (int l = 1; l < 32; l++) {
            amax = sl_max_nan(amax, std::fabs(v[l]));
        }
        float scale;
        float inv;
        sl_q8_scale(amax, &scale, &inv);
        int s = 0;
        for (int l = 0; l < 32; l++) {
            int qi = sl_q8_round(v[l], inv);
            q[r * k + 32 * b + l] = (int8_t) qi;
            s += qi;
        }
        d[id] = scale;
        sums[id] = s;
    }
}

// One kernel block (token tile group bx, feature tile by), as sl_mmq runs it.
template <int TYPE>
static void mmq_block(const uint8_t* w, uint64_t rowBytes, const int8_t* xq, const float* xd, const int* xs,
        float* y, int ldy, int k, int n, int m, int bx, int by) {
    std::vector<float> lanes(SL_MMQ_LANES * SL_MMQ_ELEMS);
    int blocks = k / 32;
    for (int warp = 0; warp < SL_MMQ_LANES; warp++) {
        SlMmqLane l[32];
        for (int lane = 0; lane < 32; lane++) {
            l[lane] = sl_mmq_lane(32 * warp + lane, bx, by, w, rowBytes, n, m);
        }
        int token0 = l[0].token0;
        float acc[32][SL_MMQ_TILES][4] = {};
        for (int blk = warp; blk < blocks; blk += SL_MMQ_LANES) {
            uint32_t a0[32][2];
            uint32_t a1[32][2];
            SlWeightTerms wg[32];
            SlWeightTerms wg8[32];
            for (int lane = 0; lane < 32; lane++) {
                sl_mmq_a<TYPE>(l[lane].rowG, l[lane].rowG8, blk, 0, l[lane].t, a0[lane]);
                sl_mmq_a<TYPE>(l[lane].rowG, l[lane].rowG8, blk, 1, l[lane].t, a1[lane]);
                wg[lane] = sl_wterms<TYPE>(l[lane].rowG, blk);
                wg8[lane] = sl_wterms<TYPE>(l[lane].rowG8, blk);
            }
            for (int tile = 0; tile < l[0].tiles; tile++) {
                int tb = token0 + SL_MMQ_TOKENS * tile;
                uint32_t b0[32];
                uint32_t b1[32];
                for (int lane = 0; lane < 32; lane++) {
                    int g = l[lane].g;
                    int t = l[lane].t;
                    const int8_t* xqRow = tb + g < m ? xq + (long) (tb + g) * k : nullptr;
                    b0[lane] = sl_mmq_b(xqRow, blk, 0, t);
                    b1[lane] = sl_mmq_b(xqRow, blk, 1, t);
                }
                int lo[32][4];
                int hi[32][4];
                mma_emulated(a0, b0, lo);
                mma_emulated(a1, b1, hi);
                for (int lane = 0; lane < 32; lane++) {
                    int j0 = tb + 2 * l[lane].t;
                    int j1 = j0 + 1;
                    float dx0 = j0 < m ? xd[(long) j0 * blocks + blk] : 0.0f;
                    float dx1 = j1 < m ? xd[(long) j1 * blocks + blk] : 0.0f;
                    int sx0 = j0 < m ? xs[(long) j0 * blocks + blk] : 0;
                    int sx1 = j1 < m ? xs[(long) j1 * blocks + blk] : 0;
                    float* c = acc[lane][tile];
                    c[0] = sl_fold<TYPE>(wg[lane], lo[lane][0], hi[lane][0], dx0, sx0, c[0]);
                    c[1] = sl_fold<TYPE>(wg[lane], lo[lane][1], hi[lane][1], dx1, sx1, c[1]);
                    c[2] = sl_fold<TYPE>(wg8[lane], lo[lane][2], hi[lane][2], dx0, sx0, c[2]);
                    c[3] = sl_fold<TYPE>(wg8[lane], lo[lane][3], hi[lane][3], dx1, sx1, c[3]);
                }
            }
        }
        for (int lane = 0; lane < 32; lane++) {
            sl_mmq_store(acc[lane], lanes.data() + warp * SL_MMQ_ELEMS, l[lane].g, l[lane].t);
        }
    }
    SlMmqLane first = sl_mmq_lane(0, bx, by, w, rowBytes, n, m);
    for (int e = 0; e < SL_MMQ_ELEMS; e++) {
        sl_mmq_result(lanes.data(), e, first.token0, first.feature0, y, ldy, n, m, nullptr);
    }
}

// mvq_<type> for m <= SL_MVQ_ROWS tokens, feature by feature: groups L, lanes s, as sl_mvq runs it.
template <int TYPE>
static void mvq(const std::vector<uint8_t>& w, const std::vector<int8_t>& q, const std::vector<float>& d,
        const std::vector<int>& sums, std::vector<float>& y, int k, int n, int m) {
    int blocks = k / 32;
    uint64_t rowBytes = sl_row_bytes(TYPE, k);
    for (int feature = 0; feature < n; feature++) {
        const uint8_t* row = w.data() + feature * rowBytes;
        float acc[SL_MMQ_LANES][SL_MVQ_ROWS] = {};
        for (int base = 0; base < blocks; base += SL_MMQ_LANES) {
            for (int group = 0; group < SL_MMQ_LANES && base + group < blocks; group++) {
                int blk = base + group;
                SlWeightTerms wt = sl_wterms<TYPE>(row, blk);
                for (int j = 0; j < m; j++) {
                    int part[4];
                    for (int s = 0; s < 4; s++) {
                        part[s] = sl_mvq_part<TYPE>(row, q.data() + (long) j * k, blk, s);
                    }
                    long at = (long) j * blocks + blk;
                    acc[group][j] = sl_fold<TYPE>(wt, part[0] + part[1], part[2] + part[3], d[at], sums[at],
                            acc[group][j]);
                }
            }
        }
        for (int j = 0; j < m; j++) {
            y[(long) j * n + feature] = sl_lane_sum8(&acc[0][j], SL_MVQ_ROWS);
        }
    }
}

template <int TYPE>
static void mmq(const std::vector<uint8_t>& w, const std::vector<int8_t>& q, const std::vector<float>& d,
        const std::vector<int>& sums, std::vector<float>& y, int k, int n, int m) {
    int tokensPerBlock = SL_MMQ_TOKENS * SL_MMQ_TILES;
    for (int by = 0; by < (n + SL_MMQ_FEATURES - 1) / SL_MMQ_FEATURES; by++) {
        for (int bx = 0; bx < (m + tokensPerBlock - 1) / tokensPerBlock; bx++) {
            mmq_block<TYPE>(w.data(), sl_row_bytes(TYPE, k), q.data(), d.data(), sums.data(), y.data(), n, k, n, m,
                    bx, by);
        }
    }
}

int main(int argc, char** argv) {
    if (argc != 8) {
        std::fprintf(stderr, "usage: mmq_check type k n m weights activations out\n");
        return 2;
    }
    int type = std::atoi(argv[1]);
    int k = std::atoi(argv[2]);
    int n = std::atoi(argv[3]);
    int m = std::atoi(argv[4]);
    std::vector<uint8_t> w = readAll(argv[5]);
    std::vector<uint8_t> xb = readAll(argv[6]);
    if (k % 32 != 0 || w.size() != sl_row_bytes(type, k) * n || xb.size() != 4ull * m * k) {
        std::fprintf(stderr, "sizes do not match type %d, k %d, n %d, m %d\n", type, k, n, m);
        return 2;
    }
    std::vector<float> x((size_t) m * k);
    std::memcpy(x.data(), xb.data(), xb.size());
    std::vector<int8_t> q((size_t) m * k);
    std::vector<float> d((size_t) m * k / 32);
    std::vector<int> sums((size_t) m * k / 32);
    quantize(x, k, m, q, d, sums);
    std::vector<float> y((size_t) m * n);
    std::vector<float> yv((size_t) m * n);
    bool few = m <= SL_MVQ_ROWS;
#define SL_RUN(T)                                                                                             \
    mmq<T>(w, q, d, sums, y, k, n, m);                                                                        \
    if (few) {                                                                                                \
        mvq<T>(w, q, d, sums, yv, k, n, m);                                                                   \
    }                                                                                                         \
    break;
    switch (type) {
        case SL_Q8_0: SL_RUN(SL_Q8_0)
        case SL_Q4_0: SL_RUN(SL_Q4_0)
        case SL_Q5_0: SL_RUN(SL_Q5_0)
        case SL_Q5_1: SL_RUN(SL_Q5_1)
        case SL_Q4_K: SL_RUN(SL_Q4_K)
        case SL_Q5_K: SL_RUN(SL_Q5_K)
        case SL_Q6_K: SL_RUN(SL_Q6_K)
        default:
            std::fprintf(stderr, "no integer product for type %d\n", type);
            return 2;
    }
    FILE* f = create(argv[7]);
    writeAll(f, q.data(), 1, q.size(), argv[7]);
    writeAll(f, d.data(), 4, d.size(), argv[7]);
    writeAll(f, sums.data(), 4, sums.size(), argv[7]);
    writeAll(f, y.data(), 4, y.size(), argv[7]);
    if (few) {
        writeAll(f, yv.data(), 4, yv.size(), argv[7]);
    }
    std::fclose(f);
    return 0;
}
