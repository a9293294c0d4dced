package io.sluice.tensor.cpu.scalar;

import io.sluice.tensor.cpu.HalfFloat;
import io.sluice.tensor.cpu.RowDecoder;

/**
 * Q6_K super-blocks of 256 elements in 210 bytes: 128 bytes ql (low 4 bits), 64 bytes qh (high 2 bits),
 * 16 signed 8-bit scales (one per 16 elements), fp16 d. Each half of 128 elements uses 64 bytes of ql and
 * 32 of qh: element l (0..31) of quarter t takes the low (t = 0, 1) or high (t = 2, 3) nibble of
 * ql[l + 32 * (t % 2)] and bits 2t..2t+1 of qh[l]; value = (d * scale) * (q - 32).
 */
final class ScalarQ6_KDecoder implements RowDecoder {
    @Override
    public void decode(byte[] src, int at, int count, float[] out, int outOffset) {
        int b = at;
        for (int o = outOffset, end = outOffset + count; o < end; o += 256, b += 210) {
            float d = HalfFloat.read(src, b + 208);
            for (int half = 0; half < 2; half++) {
                int ql = b + 64 * half;
                int qh = b + 128 + 32 * half;
                int sc = b + 192 + 8 * half;
                int y = o + 128 * half;
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int low = src[ql + l] & 0xff;
                    int high = src[ql + l + 32] & 0xff;
                    int h = src[qh + l] & 0xff;
                    out[y + l] = d * src[sc + is] * (((low & 0x0f) | ((h & 3) << 4)) - 32);
                    out[y + l + 32] = d * src[sc + is + 2] * (((high & 0x0f) | (((h >>> 2) & 3) << 4)) - 32);
                    out[y + l + 64] = d * src[sc + is + 4] * (((low >>> 4) | (((h >>> 4) & 3) << 4)) - 32);
                    out[y + l + 96] = d * src[sc + is + 6] * (((high >>> 4) | (((h >>> 6) & 3) << 4)) - 32);
                }
            }
        }
    }
}
