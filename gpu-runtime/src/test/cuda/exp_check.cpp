// Host-side run of the kernels' exponential (src/main/cuda/sl_exp.cuh, compiled here as plain C++): reads floats
// from `in`, writes sl_exp of each to `out`. ExpCheckTest compares them bit for bit with io.sluice.tensor.cpu.Exp.
#include <cstring>

#include "check_io.h"
#include "../../main/cuda/sl_exp.cuh"

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: exp_check in out\n");
        return 2;
    }
    std::vector<uint8_t> in = readAll(argv[1]);
    std::vector<float> x(in.size() / 4);
    std::memcpy(x.data(), in.data(), 4 * x.size());
    for (float& v : x) {
        v = sl_exp(v);
    }
    FILE* out = create(argv[2]);
    writeAll(out, x.data(), 4, x.size(), argv[2]);
    std::fclose(out);
    return 0;
}
