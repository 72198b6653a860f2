package org.ykrw.core.meta;

import java.io.ByteArrayOutputStream;

/** Little-endian DWARF writing helpers: LEB128 numbers and fixed-size fields. */
final class DwarfBytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    int size() {
        return out.size();
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }

    DwarfBytes u8(int v) {
        out.write(v);
        return this;
    }

    DwarfBytes u32(long v) {
        for (int i = 0; i < 4; i++) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    DwarfBytes u64(long v) {
        return u32(v).u32(v >>> 32);
    }

    DwarfBytes bytes(byte[] b) {
        out.write(b, 0, b.length);
        return this;
    }

    DwarfBytes uleb(long v) {
        do {
            int b = (int) (v & 0x7F);
            v >>>= 7;
            out.write(v != 0 ? b | 0x80 : b);
        } while (v != 0);
        return this;
    }

    DwarfBytes sleb(long v) {
        boolean more = true;
        while (more) {
            int b = (int) (v & 0x7F);
            v >>= 7;
            more = !((v == 0 && (b & 0x40) == 0) || (v == -1 && (b & 0x40) != 0));
            out.write(more ? b | 0x80 : b);
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
