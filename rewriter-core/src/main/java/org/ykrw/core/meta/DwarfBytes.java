package org.ykrw.core.meta;

import java.util.Arrays;

/**
 * Little-endian DWARF writing helpers: LEB128 numbers and fixed-size fields. Bytes go into a plain
 * array (a ByteArrayOutputStream synchronizes every byte, and .eh_frame is written a byte at a time).
 */
final class DwarfBytes {
    private byte[] buf = new byte[64];
    private int size;

    int size() {
        return size;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    private void write(int v) {
        if (size == buf.length) {
            buf = Arrays.copyOf(buf, buf.length * 2);
        }
        buf[size++] = (byte) v;
    }

    DwarfBytes u8(int v) {
        write(v);
        return this;
    }

    DwarfBytes u32(long v) {
        for (int i = 0; i < 4; i++) {
            write((int) (v >>> (8 * i)));
        }
        return this;
    }

    DwarfBytes u64(long v) {
        return u32(v).u32(v >>> 32);
    }

    DwarfBytes bytes(byte[] b) {
        if (size + b.length > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + b.length));
        }
        System.arraycopy(b, 0, buf, size, b.length);
        size += b.length;
        return this;
    }

    DwarfBytes uleb(long v) {
        do {
            int b = (int) (v & 0x7F);
            v >>>= 7;
            write(v != 0 ? b | 0x80 : b);
        } while (v != 0);
        return this;
    }

    DwarfBytes sleb(long v) {
        boolean more = true;
        while (more) {
            int b = (int) (v & 0x7F);
            v >>= 7;
            more = !((v == 0 && (b & 0x40) == 0) || (v == -1 && (b & 0x40) != 0));
            write(more ? b | 0x80 : b);
        }
        return this;
    }

    static int ulebSize(long v) {
        int n = 0;
        do {
            v >>>= 7;
            n++;
        } while (v != 0);
        return n;
    }
}
