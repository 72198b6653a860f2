package org.ykrw.core.elf;

import org.ykrw.core.diag.MalformedElfException;

/** A bounded read position inside .eh_frame or an LSDA, decoding DWARF numbers and EH pointers. */
final class DwarfCursor {
    private final ByteReader in;
    private final long end;
    long pos;

    DwarfCursor(ByteReader in, long pos, long end) {
        this.in = in;
        this.pos = pos;
        this.end = end;
    }

    private void need(int n) {
        if (pos + n > end) {
            throw new MalformedElfException("DWARF data is truncated");
        }
    }

    int u8() {
        need(1);
        return in.u8(pos++);
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

    /** Reads a DW_EH_PE-encoded pointer; {@code pcrelBase} is the address of the field itself. */
    long pointer(int enc, long pcrelBase) {
        if (enc == EhFrameReader.DW_EH_PE_OMIT) {
            return 0;
        }
        long v;
        switch (enc & 0x0F) {
            case 0x00 -> {
                need(8);
                v = in.u64(pos);
                pos += 8;
            }
            case 0x01 -> v = uleb();
            case 0x02 -> {
                need(2);
                v = in.u16(pos);
                pos += 2;
            }
            case 0x03 -> {
                need(4);
                v = in.u32(pos);
                pos += 4;
            }
            case 0x04, 0x0C -> {
                need(8);
                v = in.u64(pos);
                pos += 8;
            }
            case 0x09 -> v = sleb();
            case 0x0A -> {
                need(2);
                v = (short) in.u16(pos);
                pos += 2;
            }
            case 0x0B -> {
                need(4);
                v = in.i32(pos);
                pos += 4;
            }
            default -> throw new MalformedElfException(String.format("DWARF pointer encoding 0x%x is unknown", enc));
        }
        if ((enc & 0x70) == 0x10) {
            v += pcrelBase;
        }
        return v;
    }
}
