package io.sluice.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.tensor.quant.Fp16;
import org.junit.jupiter.api.Test;

/** Every {@link HalfWidener} gives {@link Fp16#toFloat}'s bits for all 65536 half floats, at odd offsets and lengths. */
class HalfWidenerTest {
    @Test
    void everyHalfFloatWidensExactly() {
        HalfWidener vector = Backends.vectorInstance("io.sluice.tensor.cpu.vector.VectorHalfWidener", HalfWidener.class)
                .orElseThrow();
        for (HalfWidener widener : new HalfWidener[] {HalfWidener.SCALAR, vector, HalfWidener.active()}) {
            short[] halves = new short[3 + 65536];
            for (int h = 0; h < 65536; h++) {
                halves[3 + h] = (short) h;
            }
            float[] out = new float[5 + 65536];
            // in uneven pieces, so that every piece has a tail off the vector lanes
            for (int at = 0; at < 65536; ) {
                int len = Math.min(65536 - at, 1 + at % 23);
                widener.widen(halves, 3 + at, out, 5 + at, len);
                at += len;
            }
            for (int h = 0; h < 65536; h++) {
                int want = Float.floatToRawIntBits(Fp16.toFloat((short) h));
                if (want != Float.floatToRawIntBits(out[5 + h])) {
                    assertEquals(want, Float.floatToRawIntBits(out[5 + h]), "half 0x" + Integer.toHexString(h));
                }
            }
        }
    }
}
