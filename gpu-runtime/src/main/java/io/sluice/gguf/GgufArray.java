package io.sluice.gguf;

import java.lang.reflect.Array;

/**
 * A metadata array value: its element type and the elements as a primitive Java array of the stored width
 * ({@code byte[]} for INT8/UINT8, {@code short[]} for INT16/UINT16, {@code int[]} for INT32/UINT32,
 * {@code long[]} for INT64/UINT64, {@code float[]}, {@code double[]}, {@code boolean[]}, {@code String[]},
 * or {@code GgufArray[]} for nested arrays). Unsigned elements keep their bits; the typed getters of
 * {@link GgufMetadata} interpret them.
 */
public record GgufArray(GgufValueType elementType, Object values) {

    public GgufArray {
        if (elementType == null || values == null || !values.getClass().isArray()) {
            throw new IllegalArgumentException("array needs an element type and a Java array of values");
        }
        Class<?> expected = storageClass(elementType);
        if (values.getClass().getComponentType() != expected) {
            throw new IllegalArgumentException("array of " + elementType + " must be stored as "
                    + expected.getSimpleName() + "[], not " + values.getClass().getSimpleName());
        }
    }

    /** Number of elements. */
    public int length() {
        return Array.getLength(values);
    }

    /** The Java component type that holds elements of a GGUF type. */
    static Class<?> storageClass(GgufValueType type) {
        return switch (type) {
            case UINT8, INT8 -> byte.class;
            case UINT16, INT16 -> short.class;
            case UINT32, INT32 -> int.class;
            case UINT64, INT64 -> long.class;
            case FLOAT32 -> float.class;
            case FLOAT64 -> double.class;
            case BOOL -> boolean.class;
            case STRING -> String.class;
            case ARRAY -> GgufArray.class;
        };
    }

    /** Element {@code i} as a long integer (unsigned types zero-extended); only for integer element types. */
    long integerAt(int i) {
        return switch (elementType) {
            case UINT8 -> ((byte[]) values)[i] & 0xFFL;
            case INT8 -> ((byte[]) values)[i];
            case UINT16 -> ((short[]) values)[i] & 0xFFFFL;
            case INT16 -> ((short[]) values)[i];
            case UINT32 -> ((int[]) values)[i] & 0xFFFFFFFFL;
            case INT32 -> ((int[]) values)[i];
            case UINT64, INT64 -> ((long[]) values)[i];
            default -> throw new IllegalStateException("not an integer array: " + elementType);
        };
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof GgufArray other) || other.elementType != elementType) {
            return false;
        }
        return java.util.Objects.deepEquals(new Object[] {values}, new Object[] {other.values});
    }

    @Override
    public int hashCode() {
        return 31 * elementType.hashCode() + java.util.Arrays.deepHashCode(new Object[] {values});
    }

    @Override
    public String toString() {
        return "GgufArray[" + elementType + " x " + length() + "]";
    }
}
