package org.ykrw.core.elf;

import java.nio.charset.StandardCharsets;
import org.ykrw.core.diag.MalformedElfException;

/**
 * Bounds-checked little-endian reads from the file image. Every out-of-range read becomes a
 * {@link MalformedElfException} that names what was being read, never an index exception.
 */
final class ByteReader {
    private final byte[] data;

    ByteReader(byte[] data) {
        this.data = data;
    }

    int length() {
        return data.length;
    }

    /** Checks that [offset, offset+size) lies in the file; {@code what} names the table for the message. */
    void require(long offset, long size, String what) {
        if (offset < 0 || size < 0 || offset > data.length || size > data.length - offset) {
            throw new MalformedElfException(String.format("%s at offset 0x%x, size 0x%x runs past end of file (size %d)",
                    what, offset, size, data.length));
        }
    }

    int u8(long off) {
        require(off, 1, "byte");
        return data[(int) off] & 0xFF;
    }

    int u16(long off) {
        require(off, 2, "half-word");
        int o = (int) off;
        return (data[o] & 0xFF) | (data[o + 1] & 0xFF) << 8;
    }

    int i32(long off) {
        require(off, 4, "word");
        int o = (int) off;
        return (data[o] & 0xFF) | (data[o + 1] & 0xFF) << 8 | (data[o + 2] & 0xFF) << 16 | (data[o + 3] & 0xFF) << 24;
    }

    long u32(long off) {
        return i32(off) & 0xFFFF_FFFFL;
    }

    long u64(long off) {
        return u32(off) | u32(off + 4) << 32;
    }

    /** @return the NUL-terminated string at {@code off}, which must end before {@code limit} */
    String cString(long off, long limit, String what) {
        if (off < 0 || off >= limit || limit > data.length) {
            throw new MalformedElfException(String.format("%s name offset 0x%x is outside its string table", what, off));
        }
        int end = (int) off;
        while (end < limit && data[end] != 0) {
            end++;
        }
        if (end >= limit) {
            throw new MalformedElfException(String.format("%s name at 0x%x is not terminated inside its string table",
                    what, off));
        }
        return new String(data, (int) off, end - (int) off, StandardCharsets.ISO_8859_1);
    }
}
