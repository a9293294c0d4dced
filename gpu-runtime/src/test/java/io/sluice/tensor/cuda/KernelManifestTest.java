package io.sluice.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sluice.gguf.GgmlType;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class KernelManifestTest {

    private static KernelManifest parse(String ptx, String reason) {
        Properties p = new Properties();
        p.setProperty("ptx", ptx);
        if (reason != null) {
            p.setProperty("reason", reason);
        }
        p.setProperty("nvcc", "release 13.0");
        return KernelManifest.parse(p);
    }

    @Test
    void picksTheNewestArchitectureADeviceCanRun() {
        KernelManifest m = parse("sm_90, sm_80", null);
        assertEquals(List.of(80, 90), m.architectures());
        assertEquals(Optional.of(80), m.architectureFor(8, 0));
        assertEquals(Optional.of(80), m.architectureFor(8, 9));
        assertEquals(Optional.of(90), m.architectureFor(9, 0));
        assertEquals(Optional.of(90), m.architectureFor(12, 0));
        assertEquals(Optional.empty(), m.architectureFor(7, 5));
        assertEquals("sm_80, sm_90 (release 13.0)", m.describe());
    }

    @Test
    void anEmptyManifestSaysWhy() {
        KernelManifest m = parse("", "nvcc was not on the PATH when this jar was built");
        assertFalse(m.hasKernels());
        assertEquals("no CUDA kernels in this build (nvcc was not on the PATH when this jar was built)", m.describe());
    }

    @Test
    void refusesAMalformedArchitecture() {
        assertThrows(IllegalArgumentException.class, () -> parse("compute_90", null));
    }

    /** The build compiled PTX for both architectures, with every kernel the host launches, when nvcc was there. */
    @Test
    void theBuildCarriesPtxForSm80AndSm90() {
        assumeTrue(HostChecks.onPath("nvcc"),
                "nvcc not on the PATH: this build has no CUDA kernels to check (the manifest says so instead)");
        KernelManifest m = KernelManifest.load();
        assertEquals(List.of(80, 90), m.architectures(), m.describe());
        assertTrue(m.compiler().contains("release"), m.compiler());
        for (int arch : m.architectures()) {
            byte[] ptx = m.ptx(arch);
            assertEquals(0, ptx[ptx.length - 1], "NUL-terminated for cuModuleLoadData");
            String text = new String(ptx, 0, ptx.length - 1, StandardCharsets.US_ASCII);
            assertTrue(text.contains(".target sm_" + arch), "PTX for sm_" + arch);
            for (GgmlType t : LaunchShapes.TYPES) {
                assertTrue(text.contains(".entry " + LaunchShapes.matmulKernel(t) + "("), LaunchShapes.matmulKernel(t));
                assertTrue(text.contains(".entry " + LaunchShapes.embedKernel(t) + "("), LaunchShapes.embedKernel(t));
            }
            for (GgmlType t : LaunchShapes.INT8_TYPES) {
                assertTrue(text.contains(".entry mmq_" + LaunchShapes.int8Suffix(t) + "("), "mmq " + t);
                assertTrue(text.contains(".entry mvq_" + LaunchShapes.int8Suffix(t) + "("), "mvq " + t);
            }
            assertTrue(text.contains("mma.sync.aligned.m16n8k16.row.col.s32.s8.s8.s32"), "integer tensor-core products");
            assertTrue(text.contains("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32"), "F16 tensor-core products");
            for (String k : List.of("rms_norm", "rope", "attention_f32", "attention_f16", "attention_q8", "kv_write_f32", "kv_write_f16",
                    "kv_write_q8",
                    "quantize_q8", "split_f16", "mmf_f16", "swiglu", "add_inplace", "add_bias", "gather_rows")) {
                assertTrue(text.contains(".entry " + k + "("), k);
            }
        }
    }

    @Test
    void withoutNvccTheBuildSaysItHasNoKernels() {
        assumeTrue(!HostChecks.onPath("nvcc"), "nvcc is on the PATH: the build has kernels");
        KernelManifest m = KernelManifest.load();
        assertFalse(m.hasKernels());
        assertTrue(m.describe().startsWith("no CUDA kernels in this build"), m.describe());
    }
}
