package io.sluice.operators.inference;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;

/**
 * Picks one GPU per inference subtask. Flink's external-resource framework gives every slot of a
 * TaskManager the same set of GPUs, so subtasks in one TaskManager (one JVM) claim them here: each takes a
 * least-claimed GPU, starting its search at its subtask index, which spreads one subtask per GPU when the
 * TaskManager has one slot per GPU. GPUs are identified by the discovery script's {@code index} property.
 */
public final class GpuAssignment {

    /** The external resource name in Flink's configuration ({@code external-resources: gpu}). */
    public static final String RESOURCE_NAME = "gpu";

    private static final Map<Integer, Integer> CLAIMS = new HashMap<>();

    private GpuAssignment() {
    }

    /** Claims a GPU for this subtask, or returns {@link Device#CPU} when the TaskManager has none. */
    public static synchronized Device claim(Collection<ExternalResourceInfo> gpus, int subtaskIndex) {
        List<Integer> indexes = indexes(gpus);
        if (indexes.isEmpty()) {
            return Device.CPU;
        }
        int start = Math.floorMod(subtaskIndex, indexes.size());
        int best = -1;
        int bestClaims = Integer.MAX_VALUE;
        for (int i = 0; i < indexes.size(); i++) {
            int gpu = indexes.get((start + i) % indexes.size());
            int claims = CLAIMS.getOrDefault(gpu, 0);
            if (claims < bestClaims) {
                best = gpu;
                bestClaims = claims;
            }
        }
        CLAIMS.merge(best, 1, Integer::sum);
        return Device.gpu(best);
    }

    /** Claims a given GPU (a job pinned to {@code cuda:N}), so the claims stay balanced for the others. */
    public static synchronized void hold(Device device) {
        if (device.isGpu()) {
            CLAIMS.merge(device.index(), 1, Integer::sum);
        }
    }

    /** Gives a claimed GPU back (no-op for the CPU). */
    public static synchronized void release(Device device) {
        if (device != null && device.isGpu()) {
            CLAIMS.computeIfPresent(device.index(), (k, v) -> v > 1 ? v - 1 : null);
        }
    }

    private static List<Integer> indexes(Collection<ExternalResourceInfo> gpus) {
        List<Integer> indexes = new ArrayList<>();
        if (gpus == null) {
            return indexes;
        }
        for (ExternalResourceInfo info : gpus) {
            info.getProperty("index").ifPresent(value -> {
                try {
                    int index = Integer.parseInt(value.trim());
                    if (index >= 0) {
                        indexes.add(index);
                    }
                } catch (NumberFormatException e) {
                    // A discovery script that prints something else than indexes (or a negative one): ignore that entry.
                }
            });
        }
        indexes.sort(Comparator.naturalOrder());
        return indexes.stream().distinct().toList();
    }
}
