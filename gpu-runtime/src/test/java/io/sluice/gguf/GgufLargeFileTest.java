package io.sluice.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files beyond 2 GiB (sparse, so they cost no disk space) and GGUF version 2. The header's offsets are
 * patched in a small written file that is then extended.
 */
class GgufLargeFileTest {

    private static final long GIB = 1L << 30;

    @TempDir
    Path dir;

    /** A file with one F32 tensor "w" of shape [8, 1]; returns the file offset of its info's fields. */
    private Path write(String name) throws IOException {
        Path file = dir.resolve(name);
        new GgufWriter().putString("general.architecture", "llama")
                .addTensor("w", GgmlType.F32, new long[] {8, 1}, new byte[32]).write(file);
        return file;
    }

    private static int fieldsAt(byte[] b) {
        // The tensor info follows the metadata; its name "w" is the last 'w' preceded by length 1.
        for (int i = b.length - 1; i >= 8; i--) {
            if (b[i] == 'w' && b[i - 8] == 1 && b[i - 7] == 0) {
                return i + 1; // n_dims
            }
        }
        throw new AssertionError("tensor info not found");
    }

    @Test
    void tensorsBeyond2GiBAreMapped() throws IOException {
        Path file = write("big.gguf");
        byte[] b = Files.readAllBytes(file);
        int at = fieldsAt(b);
        long offset = 3 * GIB;
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(at + 4 + 16 + 4, offset);
        Files.write(file, b);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            long dataOffset;
            try (GgufFile probe = GgufFile.open(write("probe.gguf"))) {
                dataOffset = probe.dataOffset();
            }
            ByteBuffer value = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, 1.5f);
            ch.write(value, dataOffset + offset + 4); // element 1; the file grows sparsely
            ch.write(ByteBuffer.allocate(28), dataOffset + offset + 8);
        }
        try (GgufFile f = GgufFile.open(file)) {
            GgufTensorInfo w = f.tensor("w");
            assertTrue(w.offset() > 3 * GIB);
            ByteBuffer data = f.data(w);
            assertEquals(32, data.capacity());
            assertEquals(1.5f, data.getFloat(4));
            assertEquals(0f, data.getFloat(0));
        }
    }

    @Test
    void aTensorOver2GiBIsRefusedClearly() throws IOException {
        Path file = write("huge.gguf");
        byte[] b = Files.readAllBytes(file);
        int at = fieldsAt(b);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(at + 4 + 8, GIB); // [8, 2^30] F32 = 32 GiB
        Files.write(file, b);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(raf.length() + 32 * GIB);
        }
        try (GgufFile f = GgufFile.open(file)) {
            GgufTensorInfo w = f.tensor("w");
            assertEquals(32 * GIB, w.byteSize());
            GgufException e = assertThrows(GgufException.class, () -> f.data(w));
            assertTrue(e.getMessage().contains("over 2 GiB"), e.getMessage());
            assertTrue(e.getMessage().contains("'w'"), e.getMessage());
        }
    }

    @Test
    void readsVersion2() throws IOException {
        Path file = write("v2.gguf");
        byte[] b = Files.readAllBytes(file);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 2);
        Files.write(file, b);
        try (GgufFile f = GgufFile.open(file)) {
            assertEquals(2, f.version());
            assertEquals("llama", f.metadata().architecture());
            assertEquals(32, f.data(f.tensor("w")).capacity());
        }
    }
}
