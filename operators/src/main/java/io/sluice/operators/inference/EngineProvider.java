package io.sluice.operators.inference;

import java.io.Serializable;

/**
 * Opens the engine an inference subtask runs on. Serializable: it travels with the job graph and is called
 * in the TaskManager. Implementations share one engine per model and device among a TaskManager's slots.
 */
public interface EngineProvider extends Serializable {

    /**
     * The engine for this device. Throws when the device cannot be used (e.g. no GPU backend): the operator
     * then falls back to {@link Device#CPU} and says so in its log and metrics.
     */
    EngineLease acquire(Device device) throws Exception;

    /** Where the job wants its engines; {@link DevicePreference#AUTO} unless configured. */
    default DevicePreference devicePreference() {
        return DevicePreference.AUTO;
    }
}
