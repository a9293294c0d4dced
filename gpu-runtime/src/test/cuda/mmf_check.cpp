// Host-side run of the F16 tensor-core product (src/main/cuda/half_product.cuh, compiled here as plain C++): the
// activation split as split_f16 does it, then mmf_f16 block by block and warp by warp, with the m16n8k16 f16 mma
// emulated from the PTX ISA's fragment layout (its additions in double: the hardware's own rounding is the one
// thing not reproduced). Writes the split and the products; HalfProductLayoutTest checks them against Java's
// half conversion and a float64 product.
//
// usage: mmf_check k n m weights activations out
//   weights: n rows of k F16 values; activations: m x k little-endian floats;
//   out: m x k hi halves, m x k lo halves, m shifts, then m x n products (token by token).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "check_io.h"
#include "../../main/cuda/half_product.cuh"

static double halfValue(uint32_t word, int upper) {
    return sl_half(upper ? word >> 16 : word & 0xffffu);
}

// c += a * b for one mma.m16n8k16.f32.f16.f16.f32 of a whole warp, from each lane's registers; the layout written
// out independently of the kernel's helpers (see the fragment notes in half_product.cuh).
static void mma_emulated(const uint32_t a[32][4], const uint32_t b[32][2], float c[32][4]) {
    double A[16][16];
    double B[16][8];
    for (int lane = 0; lane < 32; lane++) {
        int g = lane >> 2;
        int t = lane & 3;
        for (int i = 0; i < 2; i++) {
            A[g][2 * t + i] = halfValue(a[lane][0], i);
            A[g + 8][2 * t + i] = halfValue(a[lane][1], i);
            A[g][2 * t + 8 + i] = halfValue(a[lane][2], i);
            A[g + 8][2 * t + 8 + i] = halfValue(a[lane][3], i);
            B[2 * t + i][g] = halfValue(b[lane][0], i);
            B[2 * t + 8 + i][g] = halfValue(b[lane][1], i);
        }
    }
    float d[32][4];
    for (int lane = 0; lane < 32; lane++) {
        int g = lane >> 2;
        int t = lane & 3;
        for (int e = 0; e < 4; e++) {
            int row = e < 2 ? g : g + 8;
            int col = 2 * t + (e & 1);
            double s = c[lane][e];
            for (int kk = 0; kk < 16; kk++) {
                s += A[row][kk] * B[kk][col];
            }
            d[lane][e] = (float) s;
        }
    }
    std::memcpy(c, d, sizeof d);
}

static void split(const std::vector<float>& x, int k, int m, std::vector<uint16_t>& hi, std::vector<uint16_t>& lo,
        std::vector<int>& shifts) {
    for (int r = 0; r < m; r++) {
        float amax = 0.0f;
        for (int i = 0; i < k; i++) {
            amax = std::fmax(amax, std::fabs(x[(size_t) r * k + i]));
        }
        int shift = sl_split_shift(amax);
        for (int i = 0; i < k; i++) {
            sl_split(x[(size_t) r * k + i], shift, &hi[(size_t) r * k + i], &lo[(size_t) r * k + i]);
        }
        shifts[r] = shift;
    }
}

// One kernel block (token tile group bx, feature tile by), as mmf_f16 runs it.
static void mmf_block(const uint8_t* w, uint64_t rowBytes, const uint16_t* xh, const uint16_t* xl, const int* shifts,
        float* y, int ldy, int k, int n, int m, int bx, int by) {
    std::vector<float> lanes(SL_MMQ_LANES * SL_MMQ_ELEMS);
    int chunks = k / 32;
    for (int warp = 0; warp < SL_MMQ_LANES; warp++) {
        SlMmqLane l[32];
        for (int lane = 0; lane < 32; lane++) {
            l[lane] = sl_mmq_lane(32 * warp + lane, bx, by, w, rowBytes, n, m);
        }
        int token0 = l[0].token0;
        float acc[32][SL_MMQ_TILES][4] = {};
        for (int c = warp; c < chunks; c += SL_MMQ_LANES) {
            uint32_t a0[32][4];
            uint32_t a1[32][4];
            for (int lane = 0; lane < 32; lane++) {
                uint32_t wg[4];
                uint32_t wg8[4];
                sl_mmf_words((const uint16_t*) l[lane].rowG, c, l[lane].t, wg);
                sl_mmf_words((const uint16_t*) l[lane].rowG8, c, l[lane].t, wg8);
                sl_mmf_a(wg, wg8, 0, a0[lane]);
                sl_mmf_a(wg, wg8, 1, a1[lane]);
            }
            for (int tile = 0; tile < l[0].tiles; tile++) {
                for (int part = 0; part < 2; part++) {
                    const uint16_t* x = part == 0 ? xh : xl;
                    uint32_t b0[32][2];
                    uint32_t b1[32][2];
                    for (int lane = 0; lane < 32; lane++) {
                        int t = l[lane].t;
                        int token = token0 + SL_MMQ_TOKENS * tile + l[lane].g;
                        uint32_t xw[4];
                        sl_mmf_words(token < m ? x + (long) token * k : nullptr, c, t, xw);
                        sl_mmf_b(xw, 0, b0[lane]);
                        sl_mmf_b(xw, 1, b1[lane]);
                    }
                    float c[32][4];
                    for (int lane = 0; lane < 32; lane++) {
                        std::memcpy(c[lane], acc[lane][tile], sizeof c[lane]);
                    }
                    mma_emulated(a0, b0, c);
                    mma_emulated(a1, b1, c);
                    for (int lane = 0; lane < 32; lane++) {
                        std::memcpy(acc[lane][tile], c[lane], sizeof c[lane]);
                    }
                }
            }
        }
        for (int lane = 0; lane < 32; lane++) {
            sl_mmq_store(acc[lane], lanes.data() + warp * SL_MMQ_ELEMS, l[lane].g, l[lane].t);
        }
    }
    SlMmqLane first = sl_mmq_lane(0, bx, by, w, rowBytes, n, m);
    for (int e = 0; e < SL_MMQ_ELEMS; e++) {
        sl_mmq_result(lanes.data(), e, first.token0, first.feature0, y, ldy, n, m, shifts);
    }
}

int main(int argc, char** argv) {
    if (argc != 7) {
        std::fprintf(stderr, "usage: mmf_check k n m weights activations out\n");
        return 2;
    }
    int k = std::atoi(argv[1]);
    int n = std::atoi(argv[2]);
    int m = std::atoi(argv[3]);
    std::vector<uint8_t> w = readAll(argv[4]);
    std::vector<uint8_t> xb = readAll(argv[5]);
    if (k % 32 != 0 || w.size() != 2ull * k * n || xb.size() != 4ull * m * k) {
        std::fprintf(stderr, "sizes do not match k %d, n %d, m %d\n", k, n, m);
        return 2;
    }
    std::vector<float> x((size_t) m * k);
    std::memcpy(x.data(), xb.data(), xb.size());
    std::vector<uint16_t> hi((size_t) m * k);
    std::vector<uint16_t> lo((size_t) m * k);
    std::vector<int> shifts(m);
    split(x, k, m, hi, lo, shifts);
    std::vector<float> y((size_t) m * n);
    int tokensPerBlock = SL_MMQ_TOKENS * SL_MMQ_TILES;
    for (int by = 0; by < (n + SL_MMQ_FEATURES - 1) / SL_MMQ_FEATURES; by++) {
        for (int bx = 0; bx < (m + tokensPerBlock - 1) / tokensPerBlock; bx++) {
            mmf_block(w.data(), 2ull * k, hi.data(), lo.data(), shifts.data(), y.data(), n, k, n, m, bx, by);
        }
    }
    FILE* f = create(argv[6]);
    writeAll(f, hi.data(), 2, hi.size(), argv[6]);
    writeAll(f, lo.data(), 2, lo.size(), argv[6]);
    writeAll(f, shifts.data(), 4, shifts.size(), argv[6]);
    writeAll(f, y.data(), 4, y.size(), argv[6]);
    std::fclose(f);
    return 0;
}
