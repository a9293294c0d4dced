package io.sluice.gguf;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;

/**
 * Reads little-endian primitives from the start of a file through a small buffer, never past the file's
 * end, and knows how many bytes remain so that callers can reject absurd lengths before allocating.
 */
final class HeaderReader {

    private static final int BUFFER_BYTES = 64 * 1024;

    private final FileChannel channel;
    private final long fileSize;
    private final String source;
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    /** File position of buffer index 0. */
    private long bufferStart;

    HeaderReader(FileChannel channel, long fileSize, String source) {
        this.channel = channel;
        this.fileSize = fileSize;
        this.source = source;
        buffer.limit(0);
    }

    /** The file position of the next byte to read. */
    long position() {
        return bufferStart + buffer.position();
    }

    /** Bytes between the read position and the end of the file. */
    long remaining() {
        return fileSize - position();
    }

    int u8() throws IOException {
        ensure(1);
        return buffer.get() & 0xFF;
    }

    short i16() throws IOException {
        ensure(2);
        return buffer.getShort();
    }

    int i32() throws IOException {
        ensure(4);
        return buffer.getInt();
    }

    long u32() throws IOException {
        return i32() & 0xFFFFFFFFL;
    }

    long i64() throws IOException {
        ensure(8);
        return buffer.getLong();
    }

    float f32() throws IOException {
        ensure(4);
        return buffer.getFloat();
    }

    double f64() throws IOException {
        ensure(8);
        return buffer.getDouble();
    }

    /** A length-prefixed UTF-8 string; {@code what} names it in errors. */
    String string(String what) throws IOException {
        long length = i64();
        if (length < 0 || length > remaining()) {
            throw new GgufException(what + ": string length " + Long.toUnsignedString(length)
                    + " exceeds the " + remaining() + " bytes left (truncated or corrupt file): " + source);
        }
        if (length > Integer.MAX_VALUE - 8) {
            throw new GgufException(what + ": string length " + length + " too large in " + source);
        }
        int n = (int) length;
        if (n == 0) {
            return "";
        }
        if (n <= buffer.capacity()) {
            ensure(n);
            String s = new String(buffer.array(), buffer.position(), n, StandardCharsets.UTF_8);
            buffer.position(buffer.position() + n);
            return s;
        }
        byte[] bytes = new byte[n];
        int copied = buffer.remaining();
        buffer.get(bytes, 0, copied);
        ByteBuffer dst = ByteBuffer.wrap(bytes, copied, n - copied);
        long pos = position();
        while (dst.hasRemaining()) {
            int read = channel.read(dst, pos);
            if (read < 0) {
                throw truncated();
            }
            pos += read;
        }
        bufferStart = pos;
        buffer.clear().limit(0);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Makes at least {@code n} (at most the buffer's capacity) bytes available in the buffer. */
    private void ensure(int n) throws IOException {
        if (buffer.remaining() >= n) {
            return;
        }
        if (remaining() < n) {
            throw truncated();
        }
        bufferStart += buffer.position();
        buffer.compact();
        long pos = bufferStart + buffer.position();
        while (buffer.position() < n) {
            int read = channel.read(buffer, pos);
            if (read < 0) {
                throw truncated();
            }
            pos += read;
        }
        buffer.flip();
    }

    private GgufException truncated() {
        return new GgufException("truncated GGUF header in " + source + " (file ends at byte " + fileSize + ")",
                new EOFException());
    }
}
