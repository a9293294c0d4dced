package io.sluice.tensor.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * What CUDA kernels this build carries, from the {@code kernels.properties} resource the Maven build writes
 * beside the PTX: the architectures compiled ({@code ptx=sm_80,sm_90}), the compiler, or why there are none.
 *
 * @param architectures the PTX targets in the jar, e.g. {@code [80, 90]}, ascending; empty when none
 * @param compiler the nvcc release line that built them, or empty
 * @param reason why the build has no kernels, or empty when it has some
 */
public record KernelManifest(List<Integer> architectures, String compiler, String reason) {

    static final String DIRECTORY = "/io/sluice/tensor/cuda/";
    static final String RESOURCE = DIRECTORY + "kernels.properties";

    public KernelManifest {
        architectures = List.copyOf(architectures);
    }

    /** The manifest of the jar this class was loaded from. */
    public static KernelManifest load() {
        try (InputStream in = KernelManifest.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return new KernelManifest(List.of(), "", "the jar has no kernel manifest (built with -Dsluice.cuda.skip)");
            }
            Properties p = new Properties();
            p.load(in);
            return parse(p);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + RESOURCE, e);
        }
    }

    static KernelManifest parse(Properties p) {
        List<Integer> archs = new ArrayList<>();
        for (String item : p.getProperty("ptx", "").split(",")) {
            String a = item.trim();
            if (a.isEmpty()) {
                continue;
            }
            if (!a.matches("sm_[0-9]{2,3}")) {
                throw new IllegalArgumentException("kernel manifest: bad architecture '" + a + "'");
            }
            archs.add(Integer.parseInt(a.substring(3)));
        }
        archs.sort(null);
        String reason = archs.isEmpty() ? p.getProperty("reason", "the manifest lists no architectures") : "";
        return new KernelManifest(archs, p.getProperty("nvcc", "").trim(), reason);
    }

    public boolean hasKernels() {
        return !architectures.isEmpty();
    }

    /**
     * The newest architecture built that a GPU of compute capability {@code major.minor} can run: the driver
     * compiles PTX of sm_XY for any device of capability X.Y or newer.
     */
    public Optional<Integer> architectureFor(int major, int minor) {
        int capability = major * 10 + minor;
        Integer best = null;
        for (int a : architectures) {
            if (a <= capability) {
                best = a;
            }
        }
        return Optional.ofNullable(best);
    }

    /** The PTX text for {@code sm_<arch>}, NUL-terminated as cuModuleLoadData wants it. */
    public byte[] ptx(int arch) {
        String name = DIRECTORY + "sluice_sm_" + arch + ".ptx";
        try (InputStream in = KernelManifest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("kernel manifest lists sm_" + arch + " but " + name + " is missing");
            }
            byte[] text = in.readAllBytes();
            byte[] terminated = new byte[text.length + 1];
            System.arraycopy(text, 0, terminated, 0, text.length);
            return terminated;
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + name, e);
        }
    }

    /** One line for {@code devices}: "sm_80, sm_90 (nvcc release ...)" or the reason there are none. */
    public String describe() {
        if (!hasKernels()) {
            return "no CUDA kernels in this build (" + reason + ")";
        }
        StringBuilder sb = new StringBuilder();
        for (int a : architectures) {
            sb.append(sb.length() == 0 ? "" : ", ").append("sm_").append(a);
        }
        return compiler.isEmpty() ? sb.toString() : sb + " (" + compiler + ")";
    }
}
