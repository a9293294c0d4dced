package io.sluice.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writes files with {@link GgufWriter} and reads them back. */
class GgufRoundTripTest {

    @TempDir
    Path dir;

    @Test
    void everyValueTypeRoundTrips() throws IOException {
        GgufWriter w = new GgufWriter()
                .putUInt8("u8", 255)
                .putInt8("i8", -128)
                .putUInt16("u16", 65535)
                .putInt16("i16", -32768)
                .putUInt32("u32", 4294967295L)
                .putInt32("i32", Integer.MIN_VALUE)
                .putUInt64("u64", -1L)
                .putInt64("i64", Long.MIN_VALUE)
                .putFloat32("f32", 3.25f)
                .putFloat64("f64", Math.PI)
                .putBool("t", true)
                .putBool("f", false)
                .putString("s", "héllo ✓")
                .putString("empty", "")
                .putStringArray("sa", "a", "", "ünï")
                .putFloatArray("fa", 1f, -2.5f, Float.NaN)
                .putIntArray("ia", 1, -2, Integer.MAX_VALUE)
                .putArray("u8a", new GgufArray(GgufValueType.UINT8, new byte[] {(byte) 200, 1}))
                .putArray("i16a", new GgufArray(GgufValueType.INT16, new short[] {-5, 7}))
                .putArray("u32a", new GgufArray(GgufValueType.UINT32, new int[] {-1, 3}))
                .putArray("i64a", new GgufArray(GgufValueType.INT64, new long[] {Long.MAX_VALUE}))
                .putArray("f64a", new GgufArray(GgufValueType.FLOAT64, new double[] {0.5, -1e300}))
                .putArray("ba", new GgufArray(GgufValueType.BOOL, new boolean[] {true, false}))
                .putArray("nested", new GgufArray(GgufValueType.ARRAY, new GgufArray[] {
                        new GgufArray(GgufValueType.INT32, new int[] {1, 2}),
                        new GgufArray(GgufValueType.STRING, new String[] {"x"})}))
                .putArray("emptyArray", new GgufArray(GgufValueType.FLOAT32, new float[0]));
        Path file = dir.resolve("all.gguf");
        w.write(file);
        try (GgufFile f = GgufFile.open(file)) {
            GgufMetadata m = f.metadata();
            assertEquals(255, m.getInt("u8"));
            assertEquals(-128, m.getInt("i8"));
            assertEquals(65535, m.getInt("u16"));
            assertEquals(-32768, m.getInt("i16"));
            assertEquals(4294967295L, m.getLong("u32"));
            assertEquals(Integer.MIN_VALUE, m.getInt("i32"));
            assertEquals(-1L, m.get("u64"));
            assertThrows(GgufException.class, () -> m.getLong("u64"));
            assertEquals(Long.MIN_VALUE, m.getLong("i64"));
            assertEquals(3.25f, m.getFloat("f32"));
            assertEquals(Math.PI, (Double) m.get("f64"));
            assertEquals((float) Math.PI, m.getFloat("f64"));
            assertEquals(true, m.getBoolean("t"));
            assertEquals(false, m.getBoolean("f"));
            assertEquals("héllo ✓", m.getString("s"));
            assertEquals("", m.getString("empty"));
            assertArrayEquals(new String[] {"a", "", "ünï"}, m.getStringArray("sa"));
            assertArrayEquals(new float[] {1f, -2.5f, Float.NaN}, m.getFloatArray("fa"));
            assertArrayEquals(new int[] {1, -2, Integer.MAX_VALUE}, m.getIntArray("ia"));
            assertArrayEquals(new int[] {200, 1}, m.getIntArray("u8a"));
            assertArrayEquals(new int[] {-5, 7}, m.getIntArray("i16a"));
            assertThrows(GgufException.class, () -> m.getIntArray("u32a"));
            assertArrayEquals(new float[] {4294967295f, 3f}, m.getFloatArray("u32a"));
            assertThrows(GgufException.class, () -> m.getIntArray("i64a"));
            assertArrayEquals(new float[] {0.5f, Float.NEGATIVE_INFINITY}, m.getFloatArray("f64a"));
            assertEquals(new GgufArray(GgufValueType.BOOL, new boolean[] {true, false}), m.get("ba"));
            GgufArray nested = m.getArray("nested");
            assertEquals(GgufValueType.ARRAY, nested.elementType());
            assertEquals(new GgufArray(GgufValueType.STRING, new String[] {"x"}),
                    ((GgufArray[]) nested.values())[1]);
            assertEquals(0, m.getFloatArray("emptyArray").length);
            assertEquals(GgufValueType.UINT16, m.typeOf("u16"));
            assertEquals(GgufValueType.FLOAT64, m.typeOf("f64"));
            assertEquals(GgufValueType.ARRAY, m.typeOf("sa"));
            assertEquals(25, m.keys().size());
            assertEquals("u8", m.keys().iterator().next());
        }
    }

    @Test
    void tensorsRoundTripWithAlignment() throws IOException {
        byte[] a = new byte[3 * 4];
        ByteBuffer.wrap(a).order(ByteOrder.LITTLE_ENDIAN).putFloat(1f).putFloat(2f).putFloat(3f);
        byte[] q = new byte[2 * 34];
        for (int i = 0; i < q.length; i++) {
            q[i] = (byte) i;
        }
        Path file = dir.resolve("t.gguf");
        new GgufWriter()
                .alignment(64)
                .putString("general.architecture", "llama")
                .addTensor("a", GgmlType.F32, new long[] {3}, a)
                .addTensor("q", GgmlType.Q8_0, new long[] {32, 2}, ByteBuffer.wrap(q))
                .addTensor("lazy", GgmlType.F16, new long[] {4, 1, 1, 2}, out -> {
                    for (int i = 0; i < 16; i++) {
                        out.write(i + 100);
                    }
                })
                .write(file);
        try (GgufFile f = GgufFile.open(file)) {
            assertEquals(64, f.alignment());
            assertEquals(64L, f.metadata().getLong(GgufFile.ALIGNMENT_KEY));
            assertEquals(0, f.dataOffset() % 64);
            assertEquals(3, f.tensors().size());
            assertEquals("a", f.tensors().get(0).name());
            ByteBuffer da = f.data(f.tensor("a"));
            assertEquals(2f, da.getFloat(4));
            GgufTensorInfo tq = f.tensor("q");
            assertEquals(GgmlType.Q8_0, tq.type());
            assertEquals(68, tq.byteSize());
            assertEquals(2, tq.rows());
            assertEquals(32, tq.cols());
            assertEquals(0, (tq.offset() - f.dataOffset()) % 64);
            ByteBuffer dq = f.data(tq);
            for (int i = 0; i < q.length; i++) {
                assertEquals(q[i], dq.get(i));
            }
            GgufTensorInfo lazy = f.tensor("lazy");
            assertArrayEquals(new long[] {4, 1, 1, 2}, lazy.shape());
            assertEquals(2, lazy.rows());
            assertEquals(103, f.data(lazy).get(3));
        }
    }

    @Test
    void writerRefusesBadInput() {
        GgufWriter w = new GgufWriter();
        assertThrows(IllegalArgumentException.class, () -> w.putUInt8("x", 256));
        assertThrows(IllegalArgumentException.class, () -> w.putUInt32("x", -1));
        assertThrows(IllegalArgumentException.class, () -> w.put("x", GgufValueType.FLOAT32, 1.0));
        assertThrows(IllegalArgumentException.class, () -> w.alignment(48));
        assertThrows(IllegalArgumentException.class,
                () -> w.addTensor("t", GgmlType.Q8_0, new long[] {31}, new byte[34]));
        assertThrows(IllegalArgumentException.class,
                () -> w.addTensor("t", GgmlType.F32, new long[] {2}, new byte[4]));
        w.addTensor("t", GgmlType.F32, new long[] {1}, new byte[4]);
        assertThrows(IllegalArgumentException.class,
                () -> w.addTensor("t", GgmlType.F32, new long[] {1}, new byte[4]));
    }

    @Test
    void sourceWritingTheWrongSizeFailsAndLeavesNoFile() {
        Path file = dir.resolve("bad.gguf");
        GgufWriter w = new GgufWriter().addTensor("t", GgmlType.F32, new long[] {2}, out -> out.write(1));
        assertThrows(IOException.class, () -> w.write(file));
        assertEquals(false, Files.exists(file));
        assertEquals(false, Files.exists(dir.resolve("bad.gguf.tmp")));
    }

    @Test
    void copiesMetadataFromAnotherFile() throws IOException {
        Path file = dir.resolve("copy.gguf");
        try (GgufFile src = GgufFile.open(GgufReaderTest.STORIES)) {
            new GgufWriter().putAll(src.metadata()).write(file);
            try (GgufFile copy = GgufFile.open(file)) {
                assertEquals(src.metadata().keys(), copy.metadata().keys());
                for (String k : src.metadata().keys()) {
                    assertEquals(src.metadata().typeOf(k), copy.metadata().typeOf(k));
                    assertEquals(src.metadata().get(k), copy.metadata().get(k), k);
                }
                assertEquals(0, copy.tensors().size());
            }
        }
    }
}
