package io.sluice.gguf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An open GGUF file (versions 2 and 3): its metadata and tensor directory, read eagerly and validated,
 * and its tensor data, memory-mapped per tensor on demand (never copied to the heap). Every count and
 * length in the header is checked against the bytes left in the file before anything is allocated, so a
 * corrupt or hostile file fails with a one-line {@link GgufException}.
 */
public final class GgufFile implements AutoCloseable {

    /** "GGUF" read as a little-endian int. */
    static final int MAGIC = 0x46554747;
    public static final int DEFAULT_ALIGNMENT = 32;
    public static final String ALIGNMENT_KEY = "general.alignment";
    static final int MAX_DIMS = 4;
    static final int MAX_ARRAY_DEPTH = 3;
    /** Smallest tensor info: name length, n_dims, one dimension, type, offset. */
    private static final int MIN_TENSOR_INFO_BYTES = 8 + 4 + 8 + 4 + 8;
    /** Smallest key/value pair: key length, value type, a one-byte value. */
    private static final int MIN_KV_BYTES = 8 + 4 + 1;

    private final Path path;
    private final FileChannel channel;
    private final int version;
    private final GgufMetadata metadata;
    private final List<GgufTensorInfo> tensors;
    private final Map<String, GgufTensorInfo> byName;
    private final long dataOffset;
    private final int alignment;
    private final Map<String, ByteBuffer> mapped = new ConcurrentHashMap<>();

    private GgufFile(Path path, FileChannel channel, int version, GgufMetadata metadata,
            List<GgufTensorInfo> tensors, Map<String, GgufTensorInfo> byName, long dataOffset, int alignment) {
        this.path = path;
        this.channel = channel;
        this.version = version;
        this.metadata = metadata;
        this.tensors = tensors;
        this.byName = byName;
        this.dataOffset = dataOffset;
        this.alignment = alignment;
    }

    /** Opens and validates a GGUF file; the caller closes it. */
    public static GgufFile open(Path path) {
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            return read(path, channel);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new GgufException("cannot read " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static GgufFile read(Path path, FileChannel channel) throws IOException {
        String src = path.toString();
        long fileSize = channel.size();
        HeaderReader in = new HeaderReader(channel, fileSize, src);
        if (fileSize < 4 || in.i32() != MAGIC) {
            throw new GgufException("not a GGUF file (bad magic): " + src);
        }
        if (in.remaining() < 4) {
            throw new GgufException("truncated GGUF header in " + src);
        }
        int version = in.i32();
        if (version != 2 && version != 3) {
            if (version == 1) {
                throw new GgufException("unsupported GGUF version 1 in " + src + " (only versions 2 and 3)");
            }
            int swapped = Integer.reverseBytes(version);
            if (swapped >= 1 && swapped <= 3) {
                throw new GgufException("big-endian GGUF files are not supported: " + src);
            }
            throw new GgufException("unsupported GGUF version " + Integer.toUnsignedString(version) + " in " + src);
        }
        long tensorCount = in.i64();
        long kvCount = in.i64();
        if (kvCount < 0 || kvCount > in.remaining() / MIN_KV_BYTES) {
            throw new GgufException("metadata count " + Long.toUnsignedString(kvCount) + " is more than the "
                    + in.remaining() + " bytes left could hold (truncated or corrupt file): " + src);
        }
        if (tensorCount < 0 || tensorCount > in.remaining() / MIN_TENSOR_INFO_BYTES) {
            throw new GgufException("tensor count " + Long.toUnsignedString(tensorCount) + " is more than the "
                    + in.remaining() + " bytes left could hold (truncated or corrupt file): " + src);
        }

        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, GgufValueType> types = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = in.string("metadata key #" + i);
            if (types.containsKey(key)) {
                throw new GgufException("duplicate metadata key '" + key + "' in " + src);
            }
            GgufValueType type = valueType(in.i32(), "metadata key '" + key + "'", src);
            values.put(key, readValue(in, type, key, 0, src));
            types.put(key, type);
        }
        GgufMetadata metadata = new GgufMetadata(src, values, types);

        int alignment = DEFAULT_ALIGNMENT;
        if (metadata.has(ALIGNMENT_KEY)) {
            long a = metadata.getLong(ALIGNMENT_KEY);
            if (a <= 0 || a > (1 << 30) || Long.bitCount(a) != 1) {
                throw new GgufException(ALIGNMENT_KEY + " " + a + " is not a positive power of two in " + src);
            }
            alignment = (int) a;
        }

        // Tensor infos: validated against the file once the data section's start is known.
        String[] names = new String[(int) tensorCount];
        GgmlType[] ttypes = new GgmlType[names.length];
        long[][] shapes = new long[names.length][];
        long[] offsets = new long[names.length];
        for (int i = 0; i < names.length; i++) {
            String name = in.string("tensor #" + i + " name");
            int nDims = in.i32();
            if (nDims < 1 || nDims > MAX_DIMS) {
                throw new GgufException("tensor '" + name + "' has " + Integer.toUnsignedString(nDims)
                        + " dimensions (1.." + MAX_DIMS + " allowed) in " + src);
            }
            long[] shape = new long[nDims];
            for (int d = 0; d < nDims; d++) {
                shape[d] = in.i64();
                if (shape[d] < 0) {
                    throw new GgufException("tensor '" + name + "' has a negative or too large dimension "
                            + Long.toUnsignedString(shape[d]) + " in " + src);
                }
            }
            int typeId = in.i32();
            GgmlType type = GgmlType.byId(typeId);
            if (type == null) {
                throw new GgufException("tensor '" + name + "' has unknown type id " + typeId + " in " + src);
            }
            names[i] = name;
            ttypes[i] = type;
            shapes[i] = shape;
            offsets[i] = in.i64();
        }
        long dataOffset = alignUp(in.position(), alignment);

        List<GgufTensorInfo> list = new ArrayList<>(names.length);
        Map<String, GgufTensorInfo> byName = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            GgufTensorInfo t = tensorInfo(names[i], ttypes[i], shapes[i], offsets[i], dataOffset, alignment,
                    fileSize, src);
            if (byName.putIfAbsent(t.name(), t) != null) {
                throw new GgufException("duplicate tensor name '" + t.name() + "' in " + src);
            }
            list.add(t);
        }
        return new GgufFile(path, channel, version, metadata, Collections.unmodifiableList(list),
                Collections.unmodifiableMap(byName), dataOffset, alignment);
    }

    private static GgufTensorInfo tensorInfo(String name, GgmlType type, long[] shape, long relOffset,
            long dataOffset, int alignment, long fileSize, String src) {
        long elements = 1;
        for (long d : shape) {
            if (d != 0 && elements > Long.MAX_VALUE / d) {
                throw new GgufException("tensor '" + name + "' shape " + java.util.Arrays.toString(shape)
                        + " overflows in " + src);
            }
            elements *= d;
        }
        if (!type.fitsRow(shape[0])) {
            throw new GgufException("tensor '" + name + "': row length " + shape[0] + " is not a multiple of "
                    + type + "'s block size " + type.blockSize() + " in " + src);
        }
        long bytes = type.bytesFor(elements);
        if (bytes < 0) {
            throw new GgufException("tensor '" + name + "' is too large in " + src);
        }
        if (relOffset < 0 || relOffset % alignment != 0) {
            throw new GgufException("tensor '" + name + "' data offset " + Long.toUnsignedString(relOffset)
                    + " is not aligned to " + alignment + " in " + src);
        }
        if (relOffset > fileSize - dataOffset || bytes > fileSize - dataOffset - relOffset) {
            throw new GgufException("tensor '" + name + "' data (" + bytes + " bytes at offset "
                    + relOffset + " of the data section) extends past the end of " + src + " (truncated file?)");
        }
        return new GgufTensorInfo(name, type, shape, dataOffset + relOffset, bytes);
    }

    private static GgufValueType valueType(int id, String what, String src) {
        GgufValueType type = GgufValueType.byId(id & 0xFFFFFFFFL);
        if (type == null) {
            throw new GgufException(what + " has unknown value type " + Integer.toUnsignedString(id) + " in " + src);
        }
        return type;
    }

    private static Object readValue(HeaderReader in, GgufValueType type, String key, int depth, String src)
            throws IOException {
        return switch (type) {
            case UINT8 -> in.u8();
            case INT8 -> (int) (byte) in.u8();
            case UINT16 -> in.i16() & 0xFFFF;
            case INT16 -> (int) in.i16();
            case UINT32 -> in.u32();
            case INT32 -> in.i32();
            case FLOAT32 -> in.f32();
            case BOOL -> readBool(in, key, src);
            case STRING -> in.string("metadata key '" + key + "'");
            case ARRAY -> readArray(in, key, depth + 1, src);
            case UINT64, INT64 -> in.i64();
            case FLOAT64 -> in.f64();
        };
    }

    private static boolean readBool(HeaderReader in, String key, String src) throws IOException {
        int b = in.u8();
        if (b > 1) {
            throw new GgufException("metadata key '" + key + "': invalid boolean " + b + " in " + src);
        }
        return b == 1;
    }

    private static GgufArray readArray(HeaderReader in, String key, int depth, String src) throws IOException {
        if (depth > MAX_ARRAY_DEPTH) {
            throw new GgufException("metadata key '" + key + "': arrays nested deeper than " + MAX_ARRAY_DEPTH
                    + " in " + src);
        }
        GgufValueType elementType = valueType(in.i32(), "metadata key '" + key + "' array", src);
        long length = in.i64();
        if (length < 0 || length > in.remaining() / elementType.minBytes() || length > Integer.MAX_VALUE - 8) {
            throw new GgufException("metadata key '" + key + "': array length " + Long.toUnsignedString(length)
                    + " is more than the " + in.remaining() + " bytes left could hold (truncated or corrupt file): "
                    + src);
        }
        int n = (int) length;
        Object values = java.lang.reflect.Array.newInstance(GgufArray.storageClass(elementType), n);
        for (int i = 0; i < n; i++) {
            switch (elementType) {
                case UINT8, INT8 -> ((byte[]) values)[i] = (byte) in.u8();
                case UINT16, INT16 -> ((short[]) values)[i] = in.i16();
                case UINT32, INT32 -> ((int[]) values)[i] = in.i32();
                case UINT64, INT64 -> ((long[]) values)[i] = in.i64();
                case FLOAT32 -> ((float[]) values)[i] = in.f32();
                case FLOAT64 -> ((double[]) values)[i] = in.f64();
                case BOOL -> ((boolean[]) values)[i] = readBool(in, key, src);
                case STRING -> ((String[]) values)[i] = in.string("metadata key '" + key + "' element " + i);
                case ARRAY -> ((GgufArray[]) values)[i] = readArray(in, key, depth + 1, src);
            }
        }
        return new GgufArray(elementType, values);
    }

    static long alignUp(long offset, int alignment) {
        return (offset + alignment - 1) / alignment * alignment;
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public GgufMetadata metadata() {
        return metadata;
    }

    /** The tensors in file order. */
    public List<GgufTensorInfo> tensors() {
        return tensors;
    }

    /** The tensor with this name; throws a {@link GgufException} when there is none. */
    public GgufTensorInfo tensor(String name) {
        GgufTensorInfo t = byName.get(name);
        if (t == null) {
            throw new GgufException("missing tensor '" + name + "' in " + path);
        }
        return t;
    }

    public Optional<GgufTensorInfo> findTensor(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** Absolute file offset of the (aligned) tensor data section. */
    public long dataOffset() {
        return dataOffset;
    }

    public int alignment() {
        return alignment;
    }

    /**
     * The tensor's bytes, memory-mapped: a read-only little-endian buffer at position 0 with capacity
     * {@code t.byteSize()}. Each tensor is mapped once; each call returns an independent view. Mappings stay
     * valid after {@link #close()}.
     */
    public ByteBuffer data(GgufTensorInfo t) {
        if (!t.equals(byName.get(t.name()))) {
            throw new IllegalArgumentException("tensor '" + t.name() + "' is not a tensor of " + path);
        }
        if (t.byteSize() > Integer.MAX_VALUE) {
            throw new GgufException("tensor '" + t.name() + "' has " + t.byteSize()
                    + " bytes; tensors over 2 GiB are not supported (" + path + ")");
        }
        ByteBuffer buffer = mapped.computeIfAbsent(t.name(), name -> {
            try {
                return channel.map(FileChannel.MapMode.READ_ONLY, t.offset(), t.byteSize());
            } catch (IOException e) {
                throw new GgufException("cannot map tensor '" + name + "' of " + path + ": " + e.getMessage(), e);
            }
        });
        return buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // already failing with a better message
        }
    }

    @Override
    public String toString() {
        return "GgufFile[" + path + ", v" + version + ", " + tensors.size() + " tensors]";
    }
}
