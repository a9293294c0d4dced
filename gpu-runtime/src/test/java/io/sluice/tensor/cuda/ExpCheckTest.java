package io.sluice.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.tensor.cpu.Exp;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernels' exponential (src/main/cuda/sl_exp.cuh), compiled for the host by g++, gives {@link Exp}'s bits:
 * every 997th float from -110 to 95 (past both clamps), and the special values. The GPU's SwiGLU is then the CPU
 * backend's to the bit for the same inputs.
 */
class ExpCheckTest {

    @TempDir
    Path dir;

    @Test
    void sameBitsAsTheCpuExp() throws Exception {
        Path binary = HostChecks.compile(dir, "exp_check");
        float[] specials = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE,
                -Float.MIN_VALUE, Exp.MIN_INPUT, Exp.MAX_INPUT, Math.nextUp(Exp.MAX_INPUT), 88.72284f, -87.33655f,
                -103.97208f, Float.MAX_VALUE, -Float.MAX_VALUE};
        int[] ranges = {Float.floatToRawIntBits(95f), Float.floatToRawIntBits(-110f)};
        ByteBuffer in = ByteBuffer.allocate(4 * (ranges[0] / 997 + (ranges[1] - Integer.MIN_VALUE) / 997 + 2
                + specials.length)).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : specials) {
            in.putFloat(f);
        }
        for (int bits = 0; bits <= ranges[0]; bits += 997) {
            in.putFloat(Float.intBitsToFloat(bits));
        }
        for (int bits = Integer.MIN_VALUE; bits <= ranges[1] && bits >= Integer.MIN_VALUE; bits += 997) {
            in.putFloat(Float.intBitsToFloat(bits));
        }
        int count = in.position() / 4;
        Path inFile = dir.resolve("in");
        Path outFile = dir.resolve("out");
        Files.write(inFile, java.util.Arrays.copyOf(in.array(), in.position()));
        HostChecks.run(List.of(binary.toString(), inFile.toString(), outFile.toString()));
        ByteBuffer out = ByteBuffer.wrap(Files.readAllBytes(outFile)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(4 * count, out.capacity());
        for (int i = 0; i < count; i++) {
            float x = in.getFloat(4 * i);
            float expected = Exp.exp(x);
            float got = out.getFloat(4 * i);
            if (Float.isNaN(expected) && Float.isNaN(got)) {
                continue;
            }
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(got),
                    "exp(" + x + "): expected " + expected + ", got " + got);
        }
    }
}
