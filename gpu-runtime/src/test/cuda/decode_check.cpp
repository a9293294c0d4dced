// Host-side check of the kernels' GGUF block decoding (src/main/cuda/gguf_blocks.cuh, compiled here as plain
// C++): decodes `rows` rows of `k` values of GGML type `type` from `in` and writes the floats to `out`.
// GgufBlockDecodeTest compares them bit for bit with the Java reference decoders.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "check_io.h"
#include "../../main/cuda/gguf_blocks.cuh"

template <int TYPE>
static void decode(const std::vector<uint8_t>& bytes, int k, int rows, std::vector<float>& out) {
    uint64_t rowBytes = sl_row_bytes(TYPE, k);
    int chunks = (k + 31) / 32;
    for (int r = 0; r < rows; r++) {
        for (int c = 0; c < chunks; c++) {
            float v[32];
            sl_decode_chunk<TYPE>(bytes.data() + r * rowBytes, c, k, v);
            if ((TYPE == SL_F32 || TYPE == SL_F16 || TYPE == SL_BF16) && 32 * c + 32 <= k) {
                // The matmul kernels' 16-byte-load path must decode a whole chunk to the same bits.
                float w[32];
                sl_decode_chunk_wide<TYPE>(bytes.data() + r * rowBytes, c, w);
                if (std::memcmp(v, w, sizeof v) != 0) {
                    std::fprintf(stderr, "wide decoding differs: type %d row %d chunk %d\n", TYPE, r, c);
                    std::exit(3);
                }
            }
            for (int i = 0; i < 32 && 32 * c + i < k; i++) {
                out[(size_t) r * k + 32 * c + i] = v[i];
            }
        }
    }
}

int main(int argc, char** argv) {
    if (argc != 6) {
        std::fprintf(stderr, "usage: decode_check type k rows in out\n");
        return 2;
    }
    int type = std::atoi(argv[1]);
    int k = std::atoi(argv[2]);
    int rows = std::atoi(argv[3]);
    uint64_t rowBytes = sl_row_bytes(type, k);
    if (rowBytes == 0) {
        std::fprintf(stderr, "unknown type %d\n", type);
        return 2;
    }
    std::vector<uint8_t> bytes = readAll(argv[4]);
    if (bytes.size() != rowBytes * rows) {
        std::fprintf(stderr, "%s does not hold %d rows of type %d\n", argv[4], rows, type);
        return 2;
    }
    std::vector<float> out((size_t) rows * k);
    switch (type) {
        case SL_F32: decode<SL_F32>(bytes, k, rows, out); break;
        case SL_F16: decode<SL_F16>(bytes, k, rows, out); break;
        case SL_BF16: decode<SL_BF16>(bytes, k, rows, out); break;
        case SL_Q8_0: decode<SL_Q8_0>(bytes, k, rows, out); break;
        case SL_Q4_0: decode<SL_Q4_0>(bytes, k, rows, out); break;
        case SL_Q5_0: decode<SL_Q5_0>(bytes, k, rows, out); break;
        case SL_Q5_1: decode<SL_Q5_1>(bytes, k, rows, out); break;
        case SL_Q4_K: decode<SL_Q4_K>(bytes, k, rows, out); break;
        case SL_Q5_K: decode<SL_Q5_K>(bytes, k, rows, out); break;
        case SL_Q6_K: decode<SL_Q6_K>(bytes, k, rows, out); break;
        default: std::fprintf(stderr, "unknown type %d\n", type); return 2;
    }
    FILE* o = create(argv[5]);
    writeAll(o, out.data(), sizeof(float), out.size(), argv[5]);
    std::fclose(o);
    return 0;
}
