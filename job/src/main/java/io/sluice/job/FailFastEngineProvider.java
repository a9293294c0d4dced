package io.sluice.job;

import io.sluice.gguf.GgufException;
import io.sluice.operators.inference.Device;
import io.sluice.operators.inference.DevicePreference;
import io.sluice.operators.inference.EngineLease;
import io.sluice.operators.inference.EngineProvider;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.Objects;
import org.apache.flink.runtime.execution.SuppressRestartsException;

/**
 * Stops Flink from restarting a job whose engine can never open on the CPU: a model file that is missing or
 * broken, or engine limits the model refuses (a KV budget that holds no block). Restarting would only repeat
 * the same error forever; {@link SuppressRestartsException} fails the job at once with it as the cause.
 * GPU failures are passed on as they are (the inference operator then falls back to the CPU).
 */
public final class FailFastEngineProvider implements EngineProvider {
    private static final long serialVersionUID = 1L;

    private final EngineProvider delegate;

    public FailFastEngineProvider(EngineProvider delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public DevicePreference devicePreference() {
        return delegate.devicePreference();
    }

    @Override
    public EngineLease acquire(Device device) throws Exception {
        try {
            return delegate.acquire(device);
        } catch (Exception e) {
            if (!device.isGpu() && isPermanent(e)) {
                throw new SuppressRestartsException(e);
            }
            throw e;
        }
    }

    /** Errors that the same configuration and files will raise again on every attempt. */
    static boolean isPermanent(Throwable e) {
        return e instanceof GgufException || e instanceof IllegalArgumentException
                || e instanceof UncheckedIOException u && u.getCause() instanceof NoSuchFileException
                || e instanceof NoSuchFileException;
    }
}
