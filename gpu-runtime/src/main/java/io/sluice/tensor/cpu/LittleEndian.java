package io.sluice.tensor.cpu;

/** Little-endian reads from byte arrays. */
public final class LittleEndian {
    private LittleEndian() {
    }

    /** The unsigned 16-bit value at {@code src[at]}. */
    public static int uint16(byte[] src, int at) {
        return (src[at] & 0xff) | (src[at + 1] & 0xff) << 8;
    }

    /** The 32-bit value at {@code src[at]}. */
    public static int int32(byte[] src, int at) {
        return (src[at] & 0xff) | (src[at + 1] & 0xff) << 8 | (src[at + 2] & 0xff) << 16 | (src[at + 3] & 0xff) << 24;
    }
}
