package io.sluice.tensor.cpu.scalar;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.cpu.CpuBackend;
import io.sluice.tensor.cpu.FloatKernel;
import io.sluice.tensor.cpu.RowDecoder;

/** Plain Java kernels, for JVMs without the Vector API module; same bits as the vector backend. */
public final class ScalarBackend implements CpuBackend {
    public static final ScalarBackend INSTANCE = new ScalarBackend();

    private ScalarBackend() {
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public RowDecoder decoder(GgmlType type) {
        switch (type) {
            case F16:
                return new ScalarF16Decoder();
            case BF16:
                return new ScalarBF16Decoder();
            case Q8_0:
                return new ScalarQ8_0Decoder();
            case Q4_0:
                return new ScalarQ4_0Decoder();
            case Q5_0:
                return new ScalarQ5_0Decoder();
            case Q5_1:
                return new ScalarQ5_1Decoder();
            case Q4_K:
                return new ScalarQ4_KDecoder();
            case Q5_K:
                return new ScalarQ5_KDecoder();
            case Q6_K:
                return new ScalarQ6_KDecoder();
            default:
                throw new IllegalArgumentException("no CPU kernels for tensor type " + type);
        }
    }

    @Override
    public FloatKernel floatKernel() {
        return ScalarFloatKernel.INSTANCE;
    }
}
