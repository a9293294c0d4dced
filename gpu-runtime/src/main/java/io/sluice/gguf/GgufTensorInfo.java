package io.sluice.gguf;

import java.util.Arrays;

/**
 * One tensor of a GGUF file: its name, element type, shape in ggml order (ne0, the row length, first), the
 * absolute file offset of its data and the data's size in bytes.
 */
public record GgufTensorInfo(String name, GgmlType type, long[] shape, long offset, long byteSize) {

    public GgufTensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of dimensions. */
    public int dims() {
        return shape.length;
    }

    /** Size of dimension {@code i} (ggml order), 1 beyond the stored dimensions. */
    public long dim(int i) {
        return i < shape.length ? shape[i] : 1;
    }

    /** Total number of elements. */
    public long elements() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** The row length ne0. */
    public int cols() {
        long c = dim(0);
        if (c > Integer.MAX_VALUE) {
            throw new GgufException("tensor '" + name + "': row length " + c + " does not fit an int");
        }
        return (int) c;
    }

    /** The number of rows: the product of the dimensions after the first. */
    public int rows() {
        long r = 1;
        for (int i = 1; i < shape.length; i++) {
            r *= shape[i];
            if (r > Integer.MAX_VALUE) {
                throw new GgufException("tensor '" + name + "': " + Arrays.toString(shape)
                        + " has more rows than fit an int");
            }
        }
        return (int) r;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && t.name.equals(name) && t.type == type
                && Arrays.equals(t.shape, shape) && t.offset == offset && t.byteSize == byteSize;
    }

    @Override
    public int hashCode() {
        return (name.hashCode() * 31 + type.hashCode()) * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape) + " @" + offset + " (" + byteSize + " bytes)";
    }
}
