package io.sluice.gguf;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The key/value metadata of a GGUF file, in file order. Raw values ({@link #get}) are boxed as follows:
 * INT8, UINT8, INT16, UINT16 and INT32 as {@link Integer}; UINT32, INT64 and UINT64 as {@link Long} (UINT64
 * keeps its bits, so values above 2^63 read as negative); FLOAT32 as {@link Float}, FLOAT64 as {@link Double},
 * BOOL as {@link Boolean}, STRING as {@link String}, ARRAY as {@link GgufArray}. The typed getters convert
 * where no information is lost and otherwise throw a {@link GgufException} naming the key.
 */
public final class GgufMetadata {

    private final String source;
    private final Map<String, Object> values;
    private final Map<String, GgufValueType> types;

    /**
     * @param source the file (or other origin) named in error messages
     * @param values the raw values, boxed as described in the class comment
     * @param types the type of each key
     */
    public GgufMetadata(String source, Map<String, Object> values, Map<String, GgufValueType> types) {
        if (!values.keySet().equals(types.keySet())) {
            throw new IllegalArgumentException("values and types must have the same keys");
        }
        this.source = source;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.types = Collections.unmodifiableMap(new LinkedHashMap<>(types));
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    /** The keys in file order. */
    public Set<String> keys() {
        return values.keySet();
    }

    /** The raw value, or null when absent. */
    public Object get(String key) {
        return values.get(key);
    }

    /** The value's type, or null when absent. */
    public GgufValueType typeOf(String key) {
        return types.get(key);
    }

    /** For an ARRAY value, its element type; null when absent or not an array. */
    public GgufValueType arrayTypeOf(String key) {
        return values.get(key) instanceof GgufArray a ? a.elementType() : null;
    }

    /** The model architecture ({@code general.architecture}). */
    public String architecture() {
        return getString("general.architecture");
    }

    public String getString(String key) {
        return (String) require(key, GgufValueType.STRING);
    }

    public String getString(String key, String def) {
        return has(key) ? getString(key) : def;
    }

    public boolean getBoolean(String key) {
        return (Boolean) require(key, GgufValueType.BOOL);
    }

    public boolean getBoolean(String key, boolean def) {
        return has(key) ? getBoolean(key) : def;
    }

    /** Any integer type whose value fits an int. */
    public int getInt(String key) {
        long v = getLong(key);
        if (v != (int) v) {
            throw error(key, "value " + v + " does not fit an int");
        }
        return (int) v;
    }

    public int getInt(String key, int def) {
        return has(key) ? getInt(key) : def;
    }

    /** Any integer type whose value fits a long (UINT64 above 2^63 - 1 does not). */
    public long getLong(String key) {
        GgufValueType type = present(key);
        if (!type.isInteger()) {
            throw error(key, "expected an integer, found " + type);
        }
        long v = ((Number) values.get(key)).longValue();
        if (type == GgufValueType.UINT64 && v < 0) {
            throw error(key, "value " + Long.toUnsignedString(v) + " does not fit a long");
        }
        return v;
    }

    public long getLong(String key, long def) {
        return has(key) ? getLong(key) : def;
    }

    /** FLOAT32, FLOAT64 (narrowed) or any integer type. */
    public float getFloat(String key) {
        GgufValueType type = present(key);
        Object v = values.get(key);
        if (type == GgufValueType.FLOAT32 || type == GgufValueType.FLOAT64) {
            return ((Number) v).floatValue();
        }
        if (type.isInteger()) {
            return (float) getLong(key);
        }
        throw error(key, "expected a number, found " + type);
    }

    public float getFloat(String key, float def) {
        return has(key) ? getFloat(key) : def;
    }

    public String[] getStringArray(String key) {
        GgufArray a = array(key);
        if (a.elementType() != GgufValueType.STRING) {
            throw error(key, "expected an array of STRING, found an array of " + a.elementType());
        }
        return ((String[]) a.values()).clone();
    }

    /** An array of FLOAT32, FLOAT64 or integers, as floats. */
    public float[] getFloatArray(String key) {
        GgufArray a = array(key);
        int n = a.length();
        float[] out = new float[n];
        switch (a.elementType()) {
            case FLOAT32 -> System.arraycopy(a.values(), 0, out, 0, n);
            case FLOAT64 -> {
                double[] d = (double[]) a.values();
                for (int i = 0; i < n; i++) {
                    out[i] = (float) d[i];
                }
            }
            default -> {
                if (!a.elementType().isInteger()) {
                    throw error(key, "expected an array of numbers, found an array of " + a.elementType());
                }
                for (int i = 0; i < n; i++) {
                    out[i] = (float) a.integerAt(i);
                }
            }
        }
        return out;
    }

    /** An array of any integer type whose elements all fit an int. */
    public int[] getIntArray(String key) {
        GgufArray a = array(key);
        if (!a.elementType().isInteger()) {
            throw error(key, "expected an array of integers, found an array of " + a.elementType());
        }
        int n = a.length();
        int[] out = new int[n];
        boolean unsigned64 = a.elementType() == GgufValueType.UINT64;
        for (int i = 0; i < n; i++) {
            long v = a.integerAt(i);
            if (v != (int) v || (unsigned64 && v < 0)) {
                throw error(key, "element " + i + " (" + (unsigned64 ? Long.toUnsignedString(v) : v)
                        + ") does not fit an int");
            }
            out[i] = (int) v;
        }
        return out;
    }

    /** The raw array value. */
    public GgufArray getArray(String key) {
        return array(key);
    }

    private GgufArray array(String key) {
        return (GgufArray) require(key, GgufValueType.ARRAY);
    }

    private Object require(String key, GgufValueType expected) {
        GgufValueType type = present(key);
        if (type != expected) {
            throw error(key, "expected " + expected + ", found " + type);
        }
        return values.get(key);
    }

    private GgufValueType present(String key) {
        GgufValueType type = types.get(key);
        if (type == null) {
            throw new GgufException("missing metadata key '" + key + "' in " + source);
        }
        return type;
    }

    private GgufException error(String key, String problem) {
        return new GgufException("metadata key '" + key + "' in " + source + ": " + problem);
    }

    @Override
    public String toString() {
        return "GgufMetadata" + keys();
    }
}
