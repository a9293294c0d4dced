package io.sluice.gguf;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds a GGUF (version 3) file: metadata in insertion order, then tensors in insertion order. Tensor data
 * is streamed at {@link #write} time, from buffers or from {@link TensorSource}s that produce their bytes
 * lazily, so files larger than the heap can be written. The file appears atomically (written to a temporary
 * sibling, then moved).
 */
public final class GgufWriter {

    /** Produces a tensor's bytes when the file is written. */
    @FunctionalInterface
    public interface TensorSource {
        /** Writes exactly the tensor's byte size to {@code out}. */
        void writeTo(OutputStream out) throws IOException;
    }

    private record PendingTensor(String name, GgmlType type, long[] shape, long byteSize, TensorSource source) {
    }

    private final Map<String, Object> values = new LinkedHashMap<>();
    private final Map<String, GgufValueType> types = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();
    private final Set<String> tensorNames = new HashSet<>();
    private int alignment = GgufFile.DEFAULT_ALIGNMENT;

    /** Data alignment (a power of two); recorded as general.alignment when not the default 32. */
    public GgufWriter alignment(int alignment) {
        if (alignment <= 0 || Integer.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a positive power of two: " + alignment);
        }
        this.alignment = alignment;
        return this;
    }

    /**
     * Puts a value in the raw form {@link GgufMetadata#get} returns for its type (INT8..INT32 as Integer,
     * UINT32/INT64/UINT64 as Long, FLOAT32 as Float, FLOAT64 as Double, BOOL, STRING, ARRAY as GgufArray).
     */
    public GgufWriter put(String key, GgufValueType type, Object value) {
        if (key == null || type == null || value == null) {
            throw new IllegalArgumentException("key, type and value must not be null");
        }
        checkRaw(key, type, value);
        values.put(key, value);
        types.put(key, type);
        return this;
    }

    /** Copies every key of {@code metadata} (replacing keys already put). */
    public GgufWriter putAll(GgufMetadata metadata) {
        for (String key : metadata.keys()) {
            put(key, metadata.typeOf(key), metadata.get(key));
        }
        return this;
    }

    public GgufWriter remove(String key) {
        values.remove(key);
        types.remove(key);
        return this;
    }

    public GgufWriter putUInt8(String key, int value) {
        return put(key, GgufValueType.UINT8, value);
    }

    public GgufWriter putInt8(String key, int value) {
        return put(key, GgufValueType.INT8, value);
    }

    public GgufWriter putUInt16(String key, int value) {
        return put(key, GgufValueType.UINT16, value);
    }

    public GgufWriter putInt16(String key, int value) {
        return put(key, GgufValueType.INT16, value);
    }

    public GgufWriter putUInt32(String key, long value) {
        return put(key, GgufValueType.UINT32, value);
    }

    public GgufWriter putInt32(String key, int value) {
        return put(key, GgufValueType.INT32, value);
    }

    /** An unsigned 64-bit value given by its bits. */
    public GgufWriter putUInt64(String key, long value) {
        return put(key, GgufValueType.UINT64, value);
    }

    public GgufWriter putInt64(String key, long value) {
        return put(key, GgufValueType.INT64, value);
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, GgufValueType.FLOAT32, value);
    }

    public GgufWriter putFloat64(String key, double value) {
        return put(key, GgufValueType.FLOAT64, value);
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, GgufValueType.BOOL, value);
    }

    public GgufWriter putString(String key, String value) {
        return put(key, GgufValueType.STRING, value);
    }

    public GgufWriter putArray(String key, GgufArray value) {
        return put(key, GgufValueType.ARRAY, value);
    }

    public GgufWriter putStringArray(String key, String... value) {
        return putArray(key, new GgufArray(GgufValueType.STRING, value.clone()));
    }

    public GgufWriter putFloatArray(String key, float... value) {
        return putArray(key, new GgufArray(GgufValueType.FLOAT32, value.clone()));
    }

    /** An array of INT32. */
    public GgufWriter putIntArray(String key, int... value) {
        return putArray(key, new GgufArray(GgufValueType.INT32, value.clone()));
    }

    public GgufWriter addTensor(String name, GgmlType type, long[] shape, byte[] data) {
        return addTensor(name, type, shape, ByteBuffer.wrap(data));
    }

    /** Adds a tensor whose bytes are the buffer's remaining bytes (read at write time, not copied now). */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, ByteBuffer data) {
        ByteBuffer view = data.duplicate();
        long size = checkTensor(name, type, shape);
        if (view.remaining() != size) {
            throw new IllegalArgumentException("tensor '" + name + "' needs " + size + " bytes, got "
                    + view.remaining());
        }
        return add(name, type, shape, size, out -> {
            ByteBuffer src = view.duplicate();
            byte[] chunk = new byte[(int) Math.min(64 * 1024, Math.max(1, src.remaining()))];
            while (src.hasRemaining()) {
                int n = Math.min(chunk.length, src.remaining());
                src.get(chunk, 0, n);
                out.write(chunk, 0, n);
            }
        });
    }

    /** Adds a tensor whose bytes {@code source} writes when the file is written. */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, TensorSource source) {
        return add(name, type, shape, checkTensor(name, type, shape), source);
    }

    private GgufWriter add(String name, GgmlType type, long[] shape, long size, TensorSource source) {
        if (!tensorNames.add(name)) {
            throw new IllegalArgumentException("duplicate tensor name '" + name + "'");
        }
        tensors.add(new PendingTensor(name, type, shape.clone(), size, source));
        return this;
    }

    /** The number of bytes a tensor of this type and shape occupies. */
    public static long byteSize(GgmlType type, long[] shape) {
        long elements = 1;
        for (long d : shape) {
            elements = Math.multiplyExact(elements, d);
        }
        return type.bytesFor(elements);
    }

    private static long checkTensor(String name, GgmlType type, long[] shape) {
        if (name == null || type == null || shape == null) {
            throw new IllegalArgumentException("tensor name, type and shape must not be null");
        }
        if (shape.length < 1 || shape.length > GgufFile.MAX_DIMS) {
            throw new IllegalArgumentException("tensor '" + name + "' must have 1.." + GgufFile.MAX_DIMS
                    + " dimensions");
        }
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "' has a negative dimension");
            }
        }
        if (!type.fitsRow(shape[0])) {
            throw new IllegalArgumentException("tensor '" + name + "': row length " + shape[0]
                    + " is not a multiple of " + type + "'s block size " + type.blockSize());
        }
        long size = byteSize(type, shape);
        if (size < 0) {
            throw new IllegalArgumentException("tensor '" + name + "' is too large");
        }
        return size;
    }

    /** Writes the file. */
    public void write(Path path) throws IOException {
        Map<String, Object> vals = new LinkedHashMap<>(values);
        Map<String, GgufValueType> tys = new LinkedHashMap<>(types);
        if (alignment != GgufFile.DEFAULT_ALIGNMENT || tys.containsKey(GgufFile.ALIGNMENT_KEY)) {
            vals.put(GgufFile.ALIGNMENT_KEY, (long) alignment);
            tys.put(GgufFile.ALIGNMENT_KEY, GgufValueType.UINT32);
        }
        if (Files.isDirectory(path)) {
            throw new IllegalArgumentException(path + " is a directory: name the GGUF file to write");
        }
        if (Files.exists(path) && !Files.isRegularFile(path)) {
            // the file is written beside it and moved in place: that would replace a device or a pipe
            throw new IllegalArgumentException(path + " is not a regular file; a GGUF file can only replace a file");
        }
        Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
        // a JVM stopped mid-write (SIGTERM, Ctrl-C) must not leave gigabytes of half a file behind
        Thread cleanup = new Thread(() -> {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException e) {
                // the JVM is exiting: nothing else can be done about it
            }
        }, "gguf-writer-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            try (OutputStream file = Files.newOutputStream(tmp);
                    CountingOutput out = new CountingOutput(new BufferedOutputStream(file, 1 << 16))) {
                writeHeader(out, vals, tys);
                pad(out);
                for (PendingTensor t : tensors) {
                    long start = out.count;
                    t.source().writeTo(new FilterOutputStream(out) {
                        @Override
                        public void write(byte[] b, int off, int len) throws IOException {
                            out.write(b, off, len);
                        }

                        @Override
                        public void close() {
                            // the file stays open for the next tensor
                        }
                    });
                    long written = out.count - start;
                    if (written != t.byteSize()) {
                        throw new IOException("tensor '" + t.name() + "': source wrote " + written
                                + " bytes, expected " + t.byteSize());
                    }
                    pad(out);
                }
            }
            try {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException e) {
                // already shutting down: the hook runs and finds nothing to delete
            }
        }
    }

    private void writeHeader(CountingOutput out, Map<String, Object> vals, Map<String, GgufValueType> tys)
            throws IOException {
        out.i32(GgufFile.MAGIC);
        out.i32(3);
        out.i64(tensors.size());
        out.i64(vals.size());
        for (Map.Entry<String, Object> e : vals.entrySet()) {
            out.string(e.getKey());
            GgufValueType type = tys.get(e.getKey());
            out.i32(type.id());
            writeValue(out, type, e.getValue());
        }
        long offset = 0;
        for (PendingTensor t : tensors) {
            out.string(t.name());
            out.i32(t.shape().length);
            for (long d : t.shape()) {
                out.i64(d);
            }
            out.i32(t.type().id());
            out.i64(offset);
            offset = GgufFile.alignUp(offset + t.byteSize(), alignment);
        }
    }

    private static void writeValue(CountingOutput out, GgufValueType type, Object v) throws IOException {
        switch (type) {
            case UINT8, INT8 -> out.write(((Number) v).intValue());
            case UINT16, INT16 -> out.i16(((Number) v).intValue());
            case UINT32, INT32 -> out.i32(((Number) v).intValue());
            case UINT64, INT64 -> out.i64(((Number) v).longValue());
            case FLOAT32 -> out.i32(Float.floatToRawIntBits((Float) v));
            case FLOAT64 -> out.i64(Double.doubleToRawLongBits((Double) v));
            case BOOL -> out.write((Boolean) v ? 1 : 0);
            case STRING -> out.string((String) v);
            case ARRAY -> writeArray(out, (GgufArray) v);
        }
    }

    private static void writeArray(CountingOutput out, GgufArray a) throws IOException {
        out.i32(a.elementType().id());
        int n = a.length();
        out.i64(n);
        Object vs = a.values();
        for (int i = 0; i < n; i++) {
            switch (a.elementType()) {
                case UINT8, INT8 -> out.write(((byte[]) vs)[i]);
                case UINT16, INT16 -> out.i16(((short[]) vs)[i]);
                case UINT32, INT32 -> out.i32(((int[]) vs)[i]);
                case UINT64, INT64 -> out.i64(((long[]) vs)[i]);
                case FLOAT32 -> out.i32(Float.floatToRawIntBits(((float[]) vs)[i]));
                case FLOAT64 -> out.i64(Double.doubleToRawLongBits(((double[]) vs)[i]));
                case BOOL -> out.write(((boolean[]) vs)[i] ? 1 : 0);
                case STRING -> out.string(((String[]) vs)[i]);
                case ARRAY -> writeArray(out, ((GgufArray[]) vs)[i]);
            }
        }
    }

    private void pad(CountingOutput out) throws IOException {
        long target = GgufFile.alignUp(out.count, alignment);
        while (out.count < target) {
            out.write(0);
        }
    }

    private static void checkRaw(String key, GgufValueType type, Object value) {
        boolean ok = switch (type) {
            case UINT8 -> value instanceof Integer i && i >= 0 && i <= 0xFF;
            case INT8 -> value instanceof Integer i && i >= Byte.MIN_VALUE && i <= Byte.MAX_VALUE;
            case UINT16 -> value instanceof Integer i && i >= 0 && i <= 0xFFFF;
            case INT16 -> value instanceof Integer i && i >= Short.MIN_VALUE && i <= Short.MAX_VALUE;
            case UINT32 -> value instanceof Long l && l >= 0 && l <= 0xFFFFFFFFL;
            case INT32 -> value instanceof Integer;
            case UINT64, INT64 -> value instanceof Long;
            case FLOAT32 -> value instanceof Float;
            case FLOAT64 -> value instanceof Double;
            case BOOL -> value instanceof Boolean;
            case STRING -> value instanceof String;
            case ARRAY -> value instanceof GgufArray;
        };
        if (!ok) {
            throw new IllegalArgumentException("metadata key '" + key + "': " + value + " ("
                    + value.getClass().getSimpleName() + ") is not a valid " + type);
        }
    }

    /** Little-endian output that counts the bytes written. */
    private static final class CountingOutput extends FilterOutputStream {
        long count;

        CountingOutput(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        void i16(int v) throws IOException {
            write(v & 0xFF);
            write((v >>> 8) & 0xFF);
        }

        void i32(int v) throws IOException {
            write(new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)}, 0, 4);
        }

        void i64(long v) throws IOException {
            i32((int) v);
            i32((int) (v >>> 32));
        }

        void string(String s) throws IOException {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            i64(bytes.length);
            write(bytes, 0, bytes.length);
        }
    }
}
