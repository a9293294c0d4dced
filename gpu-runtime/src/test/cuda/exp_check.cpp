// Host-side run of the kernels' exponential (src/main/cuda/sl_exp.cuh, compiled here as plain C++): reads floats
// from `in`, writes sl_exp of each to `out`. ExpCheckTest compares them bit for bit with io.sluice.tensor.cpu.Exp.
#include <cstdio>
#include <vector>

#include "../../main/cuda/sl_exp.cuh"

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: exp_check in out\n");
        return 2;
    }
    FILE* in = std::fopen(argv[1], "rb");
    FILE* out = std::fopen(argv[2], "wb");
    if (!in || !out) {
        std::fprintf(stderr, "cannot open the files\n");
        return 2;
    }
    std::vector<float> buf(1 << 16);
    size_t got;
    while ((got = std::fread(buf.data(), 4, buf.size(), in)) > 0) {
        for (size_t i = 0; i < got; i++) {
            buf[i] = sl_exp(buf[i]);
        }
        std::fwrite(buf.data(), 4, got, out);
    }
    std::fclose(in);
    std::fclose(out);
    return 0;
}
