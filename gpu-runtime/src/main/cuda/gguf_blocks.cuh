// GGUF weight blocks decoded 32 values at a time ("chunks"), on the device inside the matmul and embedding
// kernels, and on the host by the layout check (src/test/cuda). The layouts follow the Java reference decoders
// in io.sluice.tensor.cpu.scalar; every function here reads bytes one at a time so that no alignment is
// assumed (GGUF blocks of 18, 22 or 34 bytes break any wider alignment).
#pragma once

#include <stdint.h>

#if defined(__CUDACC__)
#define SL_HD __host__ __device__ __forceinline__
#else
#define SL_HD inline
#endif

#if defined(__CUDA_ARCH__)
#include <cuda_fp16.h>
#endif

// Type codes: the GGML type ids, so the host passes GgmlType's id unchanged.
#define SL_F32 0
#define SL_F16 1
#define SL_Q4_0 2
#define SL_Q5_0 6
#define SL_Q5_1 7
#define SL_Q8_0 8
#define SL_Q4_K 12
#define SL_Q5_K 13
#define SL_Q6_K 14
#define SL_BF16 30

SL_HD float sl_bits_to_float(uint32_t bits) {
#if defined(__CUDA_ARCH__)
    return __uint_as_float(bits);
#else
    union { uint32_t u; float f; } v;
    v.u = bits;
    return v.f;
#endif
}

SL_HD uint32_t sl_float_bits(float f) {
#if defined(__CUDA_ARCH__)
    return __float_as_uint(f);
#else
    union { float f; uint32_t u; } v;
    v.f = f;
    return v.u;
#endif
}

// a * b + c rounded once, as Java's Math.fma (the kernels fuse nothing else: --fmad=false).
SL_HD float sl_fmaf(float a, float b, float c) {
#if defined(__CUDA_ARCH__)
    return fmaf(a, b, c);
#else
    return __builtin_fmaf(a, b, c);
#endif
}

// fp16 bits to float, exact for every input (as io.sluice.tensor.cpu.HalfFloat).
SL_HD float sl_half(uint32_t h) {
#if defined(__CUDA_ARCH__)
    return __half2float(__ushort_as_half((unsigned short) h));
#else
    uint32_t sign = (h & 0x8000u) << 16;
    uint32_t exponent = (h >> 10) & 0x1f;
    uint32_t mantissa = h & 0x3ff;
    if (exponent == 0) {
        float magnitude = (float) mantissa * (1.0f / 16777216.0f);
        return sign ? -magnitude : magnitude;
    }
    if (exponent == 31) {
        return sl_bits_to_float(sign | 0x7f800000u | (mantissa << 13));
    }
    return sl_bits_to_float(sign | ((exponent + 112) << 23) | (mantissa << 13));
#endif
}

SL_HD uint32_t sl_u16(const uint8_t* p) {
    return (uint32_t) p[0] | ((uint32_t) p[1] << 8);
}

SL_HD uint32_t sl_u32(const uint8_t* p) {
    return (uint32_t) p[0] | ((uint32_t) p[1] << 8) | ((uint32_t) p[2] << 16) | ((uint32_t) p[3] << 24);
}

// Bytes of one row of k values of the given type (k a multiple of the type's block for quantized types).
SL_HD uint64_t sl_row_bytes(int type, uint64_t k) {
    switch (type) {
        case SL_F32: return 4 * k;
        case SL_F16: return 2 * k;
        case SL_BF16: return 2 * k;
        case SL_Q8_0: return k / 32 * 34;
        case SL_Q4_0: return k / 32 * 18;
        case SL_Q5_0: return k / 32 * 22;
        case SL_Q5_1: return k / 32 * 24;
        case SL_Q4_K: return k / 256 * 144;
        case SL_Q5_K: return k / 256 * 176;
        case SL_Q6_K: return k / 256 * 210;
        default: return 0;
    }
}

// The 6-bit (scale, min) of sub-block j (0..7) of a Q4_K / Q5_K super-block (ggml's get_scale_min_k4).
SL_HD void sl_kquant_scale_min(const uint8_t* s, int j, int* scale, int* min) {
    if (j < 4) {
        *scale = s[j] & 63;
        *min = s[j + 4] & 63;
    } else {
        *scale = (s[j + 4] & 0x0f) | ((s[j - 4] >> 6) << 4);
        *min = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

// Decodes chunk c (values 32c .. 32c+31) of a row of `k` values starting at `row`. For the float types a last
// chunk that runs past k yields zeros beyond it (rows such as stories260K's FFN width of 172); quantized rows
// always hold whole blocks.
template <int TYPE>
SL_HD void sl_decode_chunk(const uint8_t* row, int c, int k, float out[32]) {
    if (TYPE == SL_F32 || TYPE == SL_F16 || TYPE == SL_BF16) {
        for (int i = 0; i < 32; i++) {
            int e = 32 * c + i;
            if (e >= k) {
                out[i] = 0.0f;
            } else if (TYPE == SL_F32) {
                out[i] = sl_bits_to_float(sl_u32(row + 4 * (uint64_t) e));
            } else if (TYPE == SL_F16) {
                out[i] = sl_half(sl_u16(row + 2 * (uint64_t) e));
            } else {
                out[i] = sl_bits_to_float(sl_u16(row + 2 * (uint64_t) e) << 16);
            }
        }
    } else if (TYPE == SL_Q8_0) {
        const uint8_t* b = row + 34 * (uint64_t) c;
        float d = sl_half(sl_u16(b));
        for (int i = 0; i < 32; i++) {
            out[i] = (float) (int8_t) b[2 + i] * d;
        }
    } else if (TYPE == SL_Q4_0) {
        const uint8_t* b = row + 18 * (uint64_t) c;
        float d = sl_half(sl_u16(b));
        for (int j = 0; j < 16; j++) {
            int q = b[2 + j];
            out[j] = (float) ((q & 0x0f) - 8) * d;
            out[j + 16] = (float) ((q >> 4) - 8) * d;
        }
    } else if (TYPE == SL_Q5_0) {
        const uint8_t* b = row + 22 * (uint64_t) c;
        float d = sl_half(sl_u16(b));
        uint32_t qh = sl_u32(b + 2);
        for (int j = 0; j < 16; j++) {
            int q = b[6 + j];
            int lo = (q & 0x0f) | (((qh >> j) & 1) << 4);
            int hi = (q >> 4) | (((qh >> (j + 16)) & 1) << 4);
            out[j] = (float) (lo - 16) * d;
            out[j + 16] = (float) (hi - 16) * d;
        }
    } else if (TYPE == SL_Q5_1) {
        const uint8_t* b = row + 24 * (uint64_t) c;
        float d = sl_half(sl_u16(b));
        float m = sl_half(sl_u16(b + 2));
        uint32_t qh = sl_u32(b + 4);
        for (int j = 0; j < 16; j++) {
            int q = b[8 + j];
            int lo = (q & 0x0f) | (((qh >> j) & 1) << 4);
            int hi = (q >> 4) | (((qh >> (j + 16)) & 1) << 4);
            // Two roundings (multiply, then add), as the Java decoder: no fused multiply-add here.
#if defined(__CUDA_ARCH__)
            out[j] = __fadd_rn(__fmul_rn((float) lo, d), m);
            out[j + 16] = __fadd_rn(__fmul_rn((float) hi, d), m);
#else
            out[j] = (float) lo * d + m;
            out[j + 16] = (float) hi * d + m;
#endif
        }
    } else if (TYPE == SL_Q4_K || TYPE == SL_Q5_K) {
        // Sub-block s (0..7) of super-block c / 8: pair j = s / 2 shares 32 bytes of nibbles, low nibbles for
        // the even sub-block and high nibbles for the odd one; Q5_K takes the fifth bit from bit s of qh[l].
        const int bytes = TYPE == SL_Q4_K ? 144 : 176;
        const uint8_t* b = row + (uint64_t) bytes * (c / 8);
        int s = c % 8;
        float d = sl_half(sl_u16(b));
        float dmin = sl_half(sl_u16(b + 2));
        int scale, min;
        sl_kquant_scale_min(b + 4, s, &scale, &min);
        float d1 = d * (float) scale;
        float m1 = dmin * (float) min;
        const uint8_t* qs = b + (TYPE == SL_Q4_K ? 16 : 48) + 32 * (s / 2);
        int shift = (s & 1) * 4;
        for (int l = 0; l < 32; l++) {
            int q = (qs[l] >> shift) & 0x0f;
            if (TYPE == SL_Q5_K) {
                q |= ((b[16 + l] >> s) & 1) << 4;
            }
#if defined(__CUDA_ARCH__)
            out[l] = __fsub_rn(__fmul_rn(d1, (float) q), m1);
#else
            out[l] = d1 * (float) q - m1;
#endif
        }
    } else if (TYPE == SL_Q6_K) {
        // Sub-block s (0..7): half h = s / 4 of 128 values, quarter t = s % 4. Quarter t takes the low (t < 2)
        // or high nibble of ql[l + 32 * (t % 2)], bits 2t..2t+1 of qh[l], and scale sc[l / 16 + 2t].
        const uint8_t* b = row + 210 * (uint64_t) (c / 8);
        int s = c % 8;
        int h = s / 4;
        int t = s % 4;
        float d = sl_half(sl_u16(b + 208));
        const uint8_t* ql = b + 64 * h + 32 * (t % 2);
        const uint8_t* qh = b + 128 + 32 * h;
        const int8_t* sc = (const int8_t*) (b + 192 + 8 * h);
        int nibbleShift = t < 2 ? 0 : 4;
        for (int l = 0; l < 32; l++) {
            int q = ((ql[l] >> nibbleShift) & 0x0f) | (((qh[l] >> (2 * t)) & 3) << 4);
            // (d * scale) * (q - 32): the Java decoder's order of rounding.
#if defined(__CUDA_ARCH__)
            out[l] = __fmul_rn(__fmul_rn(d, (float) sc[l / 16 + 2 * t]), (float) (q - 32));
#else
            out[l] = d * (float) sc[l / 16 + 2 * t] * (float) (q - 32);
#endif
        }
    }
}

// 16 bytes at p (16-byte aligned on the device) as four little-endian words.
SL_HD void sl_load16(const uint8_t* p, uint32_t w[4]) {
#if defined(__CUDA_ARCH__)
    uint4 v = *(const uint4*) p;
    w[0] = v.x;
    w[1] = v.y;
    w[2] = v.z;
    w[3] = v.w;
#else
    for (int q = 0; q < 4; q++) {
        w[q] = sl_u32(p + 4 * q);
    }
#endif
}

// A whole chunk of a float type read 16 bytes at a time: the same values as sl_decode_chunk (same conversions),
// only fewer, wider loads. The caller checks that the chunk is whole and, on the device, 16-byte aligned.
template <int TYPE>
SL_HD void sl_decode_chunk_wide(const uint8_t* row, int c, float out[32]) {
    if (TYPE == SL_F32) {
        for (int j = 0; j < 8; j++) {
            uint32_t w[4];
            sl_load16(row + 128ull * c + 16 * j, w);
            for (int q = 0; q < 4; q++) {
                out[4 * j + q] = sl_bits_to_float(w[q]);
            }
        }
    } else {
        for (int j = 0; j < 4; j++) {
            uint32_t w[4];
            sl_load16(row + 64ull * c + 16 * j, w);
            for (int q = 0; q < 4; q++) {
                // The low half of each little-endian word is the even element.
                uint32_t lo = w[q] & 0xffffu;
                uint32_t hi = w[q] >> 16;
                out[8 * j + 2 * q] = TYPE == SL_F16 ? sl_half(lo) : sl_bits_to_float(lo << 16);
                out[8 * j + 2 * q + 1] = TYPE == SL_F16 ? sl_half(hi) : sl_bits_to_float(hi << 16);
            }
        }
    }
}
