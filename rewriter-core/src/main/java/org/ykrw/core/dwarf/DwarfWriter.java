package org.ykrw.core.dwarf;

import java.util.Arrays;

/**
 * The writing side of {@link DwarfCursor}: little-endian DWARF writing helpers: LEB128 numbers and fixed-size fields. Bytes go into a plain
 * array (a ByteArrayOutputStream synchronizes every byte, and .eh_frame is written a byte at a time).
 */
public final class DwarfWriter {
    private byte[] buf = new byte[64];
    private int size;

    /** @return bytes written so far */
    public int size() {
        return size;
    }

    /** @return a copy of the bytes written */
    public byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    private void write(int v) {
        if (size == buf.length) {
            buf = Arrays.copyOf(buf, buf.length * 2);
        }
        buf[size++] = (byte) v;
    }

    /** Writes one byte (the low 8 bits of {@code v}). @return this */
    public DwarfWriter u8(int v) {
        write(v);
        return this;
    }

    /** Writes the low 32 bits of {@code v}. @return this */
    public DwarfWriter u32(long v) {
        for (int i = 0; i < 4; i++) {
            write((int) (v >>> (8 * i)));
        }
        return this;
    }

    /** Writes {@code v} as 8 bytes. @return this */
    public DwarfWriter u64(long v) {
        return u32(v).u32(v >>> 32);
    }

    /** Writes {@code b} verbatim. @return this */
    public DwarfWriter bytes(byte[] b) {
        if (size + b.length > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + b.length));
        }
        System.arraycopy(b, 0, buf, size, b.length);
        size += b.length;
        return this;
    }

    /** Writes {@code v} as unsigned LEB128. @return this */
    public DwarfWriter uleb(long v) {
        do {
            int b = (int) (v & 0x7F);
            v >>>= 7;
            write(v != 0 ? b | 0x80 : b);
        } while (v != 0);
        return this;
    }

    /** Writes {@code v} as signed LEB128. @return this */
    public DwarfWriter sleb(long v) {
        boolean more = true;
        while (more) {
            int b = (int) (v & 0x7F);
            v >>= 7;
            more = !((v == 0 && (b & 0x40) == 0) || (v == -1 && (b & 0x40) != 0));
            write(more ? b | 0x80 : b);
        }
        return this;
    }

    /** @return how many bytes {@link #uleb} writes for {@code v} */
    public static int ulebSize(long v) {
        int n = 0;
        do {
            v >>>= 7;
            n++;
        } while (v != 0);
        return n;
    }
}
