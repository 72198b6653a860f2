package org.ykrw.core.meta;

import org.ykrw.core.diag.MalformedElfException;

/** Bounded little-endian reads over the file image, with LEB128 and EH pointer decoding. */
final class DwarfReader {
    private final byte[] data;
    long pos;
    private final long end;

    DwarfReader(byte[] data, long pos, long end) {
        this.data = data;
        this.pos = pos;
        this.end = Math.min(end, data.length);
    }

    private void need(int n) {
        if (pos < 0 || pos + n > end) {
            throw new MalformedElfException("unwind information is truncated");
        }
    }

    int u8() {
        need(1);
        return data[(int) pos++] & 0xFF;
    }

    long u32() {
        need(4);
        long v = 0;
        for (int i = 3; i >= 0; i--) {
            v = v << 8 | (data[(int) pos + i] & 0xFF);
        }
        pos += 4;
        return v;
    }

    long u64() {
        return u32() | u32() << 32;
    }

    long uleb() {
        long v = 0;
        for (int shift = 0; ; shift += 7) {
            int b = u8();
            if (shift < 64) {
                v |= (long) (b & 0x7F) << shift;
            }
            if ((b & 0x80) == 0) {
                return v;
            }
        }
    }

    long sleb() {
        long v = 0;
        int shift = 0;
        int b;
        do {
            b = u8();
            if (shift < 64) {
                v |= (long) (b & 0x7F) << shift;
            }
            shift += 7;
        } while ((b & 0x80) != 0);
        return shift < 64 && (b & 0x40) != 0 ? v | -1L << shift : v;
    }

    byte[] bytes(int n) {
        need(n);
        byte[] b = new byte[n];
        System.arraycopy(data, (int) pos, b, 0, n);
        pos += n;
        return b;
    }

    /**
     * Reads an EH pointer. {@code fieldAddress} is the virtual address of the field (for pcrel).
     *
     * @return the decoded value (for indirect encodings: the address of the slot, not its contents)
     */
    long pointer(int enc, long fieldAddress) {
        long v = switch (enc & 0x0F) {
            case 0x00, 0x04, 0x0C -> u64();
            case 0x01 -> uleb();
            case 0x02 -> u8() | (long) u8() << 8;
            case 0x03 -> u32();
            case 0x09 -> sleb();
            case 0x0A -> (short) (u8() | u8() << 8);
            case 0x0B -> (int) u32();
            default -> throw new MalformedElfException(String.format("pointer encoding 0x%x is not supported", enc));
        };
        return (enc & 0x70) == 0x10 ? v + fieldAddress : v;
    }
}
