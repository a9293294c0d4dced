package io.sluice.tensor.cuda;

import io.sluice.tensor.ComputeBackend;
import io.sluice.tensor.ComputeBackendProvider;
import io.sluice.tensor.Device;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Provides the CUDA backend: one per GPU ordinal for the whole process, so every model and slot on a GPU shares
 * its context and memory budget. The budget is {@value #FRACTION_PROPERTY} of the device (default
 * {@value #DEFAULT_FRACTION}), read when the GPU is first opened.
 */
public final class CudaComputeProvider implements ComputeBackendProvider {

    public static final String FRACTION_PROPERTY = "sluice.gpu-memory-fraction";
    public static final double DEFAULT_FRACTION = 0.9;

    private static final Map<Integer, CudaCompute> OPEN = new ConcurrentHashMap<>();

    @Override
    public Device.Kind kind() {
        return Device.Kind.CUDA;
    }

    /** @throws CudaUnavailableException (an IllegalStateException) naming why the GPU cannot be used */
    @Override
    public ComputeBackend open(Device device) {
        return OPEN.computeIfAbsent(device.index(), index -> new CudaCompute(CudaDevice.open(index), fraction()));
    }

    static double fraction() {
        String text = System.getProperty(FRACTION_PROPERTY);
        if (text == null) {
            return DEFAULT_FRACTION;
        }
        try {
            return Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(FRACTION_PROPERTY + " must be a number in (0, 1], got '" + text + "'");
        }
    }
}
