package io.sluice.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Corrupt and hostile files: each is a valid file written by {@link GgufWriter} with some bytes changed, and
 * each must fail with a one-line {@link GgufException} naming the problem and the file, never with an
 * OutOfMemoryError, a hang or an index exception.
 */
class GgufHostileInputTest {

    @TempDir
    Path dir;

    @Test
    void controlCharactersInNamesAreEscaped() throws IOException {
        byte[] b = valid.clone();
        b[indexOf(b, "tensor.gamma") + 6] = '\n';
        expectError(withInt(b, offsetAt("tensor.gamma") - 4, 99), "tensor\\x0agamma");
    }

    /** A valid file: two metadata strings, an array, an integer and two tensors. */
    private byte[] valid;

    @BeforeEach
    void writeValidFile() throws IOException {
        Path file = dir.resolve("valid.gguf");
        new GgufWriter()
                .putString("general.architecture", "llama")
                .putString("key.alpha", "value")
                .putString("key.beta", "other")
                .putFloatArray("key.floats", 1f, 2f, 3f)
                .putUInt32("key.count", 7)
                .putBool("key.flag", true)
                .addTensor("tensor.alpha", GgmlType.F32, new long[] {4, 2}, new byte[32])
                .addTensor("tensor.gamma", GgmlType.Q8_0, new long[] {32}, new byte[34])
                .write(file);
        valid = Files.readAllBytes(file);
        try (GgufFile f = GgufFile.open(file)) {
            assertEquals(2, f.tensors().size());
        }
    }

    @Test
    void badMagic() throws IOException {
        byte[] b = valid.clone();
        b[0] = 'X';
        expectError(b, "bad magic");
        expectError(new byte[0], "bad magic");
        expectError(new byte[] {'G', 'G'}, "bad magic");
    }

    @Test
    void version1IsRefusedByName() throws IOException {
        expectError(withInt(valid, 4, 1), "unsupported GGUF version 1");
    }

    @Test
    void unknownVersion() throws IOException {
        expectError(withInt(valid, 4, 99), "unsupported GGUF version 99");
    }

    @Test
    void bigEndianFileIsRefused() throws IOException {
        expectError(withInt(valid, 4, Integer.reverseBytes(3)), "big-endian");
    }

    @Test
    void truncatedHeader() throws IOException {
        for (int length : new int[] {4, 6, 12, 30, 60, indexOf(valid, "tensor.alpha") + 3}) {
            expectError(Arrays.copyOf(valid, length), "truncated");
        }
    }

    @Test
    void truncatedData() throws IOException {
        Path file = dir.resolve("valid.gguf");
        long end;
        try (GgufFile f = GgufFile.open(file)) {
            GgufTensorInfo last = f.tensor("tensor.gamma");
            end = last.offset() + last.byteSize();
        }
        expectError(Arrays.copyOf(valid, (int) end - 1), "extends past the end");
        expectError(Arrays.copyOf(valid, (int) end - 34), "extends past the end");
    }

    @Test
    void absurdTensorCount() throws IOException {
        expectError(withLong(valid, 8, 1L << 40), "tensor count");
        expectError(withLong(valid, 8, -1L), "tensor count");
    }

    @Test
    void absurdMetadataCount() throws IOException {
        expectError(withLong(valid, 16, 1L << 40), "metadata count");
        expectError(withLong(valid, 16, -2L), "metadata count");
    }

    @Test
    void absurdArrayLength() throws IOException {
        int lengthAt = indexOf(valid, "key.floats") + "key.floats".length() + 4 + 4;
        expectError(withLong(valid, lengthAt, 1L << 33), "array length");
        expectError(withLong(valid, lengthAt, Long.MIN_VALUE), "array length");
        // Fits the remaining bytes but not a Java array.
        expectError(withLong(valid, lengthAt, Integer.MAX_VALUE), "array length");
    }

    @Test
    void absurdStringLength() throws IOException {
        int valueLengthAt = indexOf(valid, "key.alpha") + "key.alpha".length() + 4;
        expectError(withLong(valid, valueLengthAt, 1L << 50), "string length");
        int keyLengthAt = indexOf(valid, "key.beta") - 8;
        expectError(withLong(valid, keyLengthAt, -5L), "string length");
        int nameLengthAt = indexOf(valid, "tensor.alpha") - 8;
        expectError(withLong(valid, nameLengthAt, 1L << 31), "string length");
    }

    @Test
    void negativeDimension() throws IOException {
        expectError(withLong(valid, dimAt("tensor.alpha", 0), -4), "negative");
    }

    @Test
    void overflowingDimensions() throws IOException {
        byte[] b = withLong(valid, dimAt("tensor.alpha", 0), 1L << 40);
        expectError(withLong(b, dimAt("tensor.alpha", 1), 1L << 40), "overflows");
        // Large without overflowing: its bytes cannot be in the file.
        expectError(withLong(valid, dimAt("tensor.alpha", 1), 1L << 40), "extends past the end");
        // Bytes overflow a long although elements do not.
        expectError(withLong(valid, dimAt("tensor.alpha", 1), 1L << 60), "too large");
    }

    @Test
    void tooManyOrNoDimensions() throws IOException {
        int nDimsAt = indexOf(valid, "tensor.alpha") + "tensor.alpha".length();
        expectError(withInt(valid, nDimsAt, 5), "5 dimensions");
        expectError(withInt(valid, nDimsAt, 0), "0 dimensions");
        expectError(withInt(valid, nDimsAt, -1), "dimensions");
    }

    @Test
    void rowNotAWholeNumberOfBlocks() throws IOException {
        expectError(withLong(valid, dimAt("tensor.gamma", 0), 16), "block size");
    }

    @Test
    void duplicateTensorName() throws IOException {
        byte[] b = valid.clone();
        int at = indexOf(b, "tensor.gamma");
        System.arraycopy("tensor.alpha".getBytes(StandardCharsets.US_ASCII), 0, b, at, 12);
        expectError(b, "duplicate tensor name 'tensor.alpha'");
    }

    @Test
    void duplicateKey() throws IOException {
        // key.flag and key.beta have the same length: renaming one to the other duplicates a key.
        byte[] b = valid.clone();
        int flagAt = indexOf(b, "key.flag");
        System.arraycopy("key.beta".getBytes(StandardCharsets.US_ASCII), 0, b, flagAt, 8);
        expectError(b, "duplicate metadata key 'key.beta'");
    }

    @Test
    void misalignedTensorOffset() throws IOException {
        int at = offsetAt("tensor.gamma");
        long offset = ByteBuffer.wrap(valid).order(ByteOrder.LITTLE_ENDIAN).getLong(at);
        expectError(withLong(valid, at, offset + 4), "not aligned");
        expectError(withLong(valid, at, -32), "not aligned");
    }

    @Test
    void dataOutsideTheFile() throws IOException {
        expectError(withLong(valid, offsetAt("tensor.gamma"), 1L << 40), "extends past the end");
        expectError(withLong(valid, offsetAt("tensor.gamma"), Long.MAX_VALUE - 31), "extends past the end");
    }

    @Test
    void unknownTensorType() throws IOException {
        int typeAt = offsetAt("tensor.alpha") - 4;
        expectError(withInt(valid, typeAt, 99), "unknown type id 99");
        expectError(withInt(valid, typeAt, 4), "unknown type id 4"); // a removed ggml type
    }

    @Test
    void knownButUnsupportedTypeIsRead() throws IOException {
        int typeAt = offsetAt("tensor.gamma") - 4;
        byte[] b = withInt(valid, typeAt, GgmlType.IQ4_NL.id()); // 32 elements in 18 bytes: fits in 34
        Path file = dir.resolve("unsupported.gguf");
        Files.write(file, b);
        try (GgufFile f = GgufFile.open(file)) {
            GgufTensorInfo t = f.tensor("tensor.gamma");
            assertEquals(GgmlType.IQ4_NL, t.type());
            assertEquals(18, t.byteSize());
            assertEquals(false, t.type().isSupported());
        }
    }

    @Test
    void unknownValueType() throws IOException {
        int typeAt = indexOf(valid, "key.count") + "key.count".length();
        expectError(withInt(valid, typeAt, 13), "unknown value type 13");
        int elementTypeAt = indexOf(valid, "key.floats") + "key.floats".length() + 4;
        expectError(withInt(valid, elementTypeAt, -1), "unknown value type");
    }

    @Test
    void invalidBoolean() throws IOException {
        byte[] b = valid.clone();
        b[indexOf(b, "key.flag") + "key.flag".length() + 4] = 7;
        expectError(b, "invalid boolean");
    }

    @Test
    void nestedArraysTooDeep() throws IOException {
        GgufArray a = new GgufArray(GgufValueType.INT32, new int[] {1});
        for (int depth = 1; depth <= GgufFile.MAX_ARRAY_DEPTH; depth++) {
            a = new GgufArray(GgufValueType.ARRAY, new GgufArray[] {a});
        }
        Path file = dir.resolve("deep.gguf");
        new GgufWriter().putArray("deep", a).write(file);
        expectError(Files.readAllBytes(file), "nested deeper");
        // One level less is fine.
        new GgufWriter().putArray("deep", ((GgufArray[]) a.values())[0]).write(file);
        try (GgufFile f = GgufFile.open(file)) {
            assertEquals(GgufValueType.ARRAY, f.metadata().arrayTypeOf("deep"));
        }
    }

    @Test
    void badAlignment() throws IOException {
        Path file = dir.resolve("aligned.gguf");
        new GgufWriter().alignment(64).addTensor("t", GgmlType.F32, new long[] {1}, new byte[4]).write(file);
        byte[] b = Files.readAllBytes(file);
        int valueAt = indexOf(b, GgufFile.ALIGNMENT_KEY) + GgufFile.ALIGNMENT_KEY.length() + 4;
        expectError(withInt(b, valueAt, 48), "not a positive power of two");
        expectError(withInt(b, valueAt, 0), "not a positive power of two");
        expectError(withInt(b, valueAt - 4, GgufValueType.FLOAT32.id()), "expected an integer");
    }

    /** Random byte flips and truncations: only GgufExceptions (or success), never anything else. */
    @Test
    void randomCorruptionFailsCleanly() throws IOException {
        Random random = new Random(42);
        Path file = dir.resolve("fuzz.gguf");
        int headerEnd = offsetAt("tensor.gamma") + 8;
        for (int i = 0; i < 3000; i++) {
            byte[] b = valid.clone();
            int flips = 1 + random.nextInt(4);
            for (int k = 0; k < flips; k++) {
                b[random.nextInt(headerEnd)] = (byte) random.nextInt(256);
            }
            if (random.nextInt(8) == 0) {
                b = Arrays.copyOf(b, random.nextInt(b.length));
            }
            Files.write(file, b);
            try (GgufFile f = GgufFile.open(file)) {
                for (GgufTensorInfo t : f.tensors()) {
                    assertEquals(t.byteSize(), f.data(t).capacity());
                }
            } catch (GgufException expected) {
                assertTrue(expected.getMessage().contains(file.toString()), expected.getMessage());
                assertEquals(1, expected.getMessage().lines().count());
            } catch (Throwable t) {
                fail("corruption #" + i + " threw " + t, t);
            }
        }
    }

    // --- helpers -------------------------------------------------------------------------------------

    private void expectError(byte[] bytes, String fragment) throws IOException {
        Path file = dir.resolve("corrupt.gguf");
        Files.write(file, bytes);
        GgufException e = assertThrows(GgufException.class, () -> {
            try (GgufFile f = GgufFile.open(file)) {
                f.tensors();
            }
        });
        assertTrue(e.getMessage().contains(fragment), "'" + e.getMessage() + "' should mention '" + fragment + "'");
        assertTrue(e.getMessage().contains(file.toString()), "message should name the file: " + e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }

    /** File offset of a tensor info's dimension. */
    private int dimAt(String tensor, int dim) {
        return indexOf(valid, tensor) + tensor.length() + 4 + 8 * dim;
    }

    /** File offset of a tensor info's data offset field. */
    private int offsetAt(String tensor) {
        int nDimsAt = indexOf(valid, tensor) + tensor.length();
        int nDims = ByteBuffer.wrap(valid).order(ByteOrder.LITTLE_ENDIAN).getInt(nDimsAt);
        return nDimsAt + 4 + 8 * nDims + 4;
    }

    private static int indexOf(byte[] haystack, String needle) {
        byte[] n = needle.getBytes(StandardCharsets.UTF_8);
        outer:
        for (int i = 0; i <= haystack.length - n.length; i++) {
            for (int j = 0; j < n.length; j++) {
                if (haystack[i + j] != n[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("'" + needle + "' not found");
    }

    private static byte[] withInt(byte[] b, int at, int value) {
        byte[] c = b.clone();
        ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putInt(at, value);
        return c;
    }

    private static byte[] withLong(byte[] b, int at, long value) {
        byte[] c = b.clone();
        ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putLong(at, value);
        return c;
    }
}
