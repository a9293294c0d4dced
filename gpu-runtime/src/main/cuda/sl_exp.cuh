// e^x in float by io.sluice.tensor.cpu.Exp's fixed sequence of IEEE operations, so that the GPU's SwiGLU and
// softmax exponentials are the CPU backend's to the bit (ExpCheckTest compares them on the host). One rounding
// per step; fmaf rounds once as Math.fma does, and the kernels are compiled with --fmad=false so that nothing
// else is fused.
#pragma once

#include "gguf_blocks.cuh"

SL_HD float sl_exp(float x) {
    if (x == x) {   // Java's max and min keep a NaN
        x = x < -104.0f ? -104.0f : x;
        x = x > 89.0f ? 89.0f : x;
    }
    const float magic = 0x1.8p23f;
    float t = sl_fmaf(x, 0x1.715476p0f, magic);
    int n = (int) (sl_float_bits(t) - 0x4B400000u);
    float nf = t - magic;
    float r = sl_fmaf(nf, -0x1.7f7d1cp-20f, sl_fmaf(nf, -0x1.62e4p-1f, x));
    float p = sl_fmaf(r, 0x1.6a1a72p-10f, 0x1.123fc6p-7f);
    p = sl_fmaf(p, r, 0x1.555916p-5f);
    p = sl_fmaf(p, r, 0x1.55548ap-3f);
    p = sl_fmaf(p, r, 0x1.fffffcp-2f);
    p = sl_fmaf(p, r, 1.0f);
    p = sl_fmaf(p, r, 1.0f);
    int n1 = n >> 1;
    int n2 = n - n1;
    return p * sl_bits_to_float((uint32_t) (n1 + 127) << 23) * sl_bits_to_float((uint32_t) (n2 + 127) << 23);
}
