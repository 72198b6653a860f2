package org.ykrw.core.dwarf;

import java.nio.charset.StandardCharsets;
import org.ykrw.core.diag.MalformedElfException;

/**
 * A bounded little-endian read position in DWARF-shaped data (.eh_frame, LSDAs, .debug_line): fixed
 * sizes, LEB128 numbers, C strings and DW_EH_PE pointers. Every read checks the bound and fails with
 * one {@link MalformedElfException} naming the data, so a hostile file is one line, never an
 * exception from array indexing.
 */
public final class DwarfCursor {
    private final byte[] data;
    private final long end;
    private final String what;
    /** The read position (a file offset); callers move it to skip or revisit fields. */
    public long pos;

    /**
     * @param data the bytes (usually the whole file)
     * @param pos where reading starts
     * @param end the bound reads may not cross (clipped to the data)
     * @param what the data's name for error messages, e.g. "unwind information"
     */
    public DwarfCursor(byte[] data, long pos, long end, String what) {
        this.data = data;
        this.pos = pos;
        this.end = Math.min(end, data.length);
        this.what = what;
    }

    /** @return the bytes this cursor reads */
    public byte[] data() {
        return data;
    }

    /** @return bytes left before the bound */
    public long remaining() {
        return end - pos;
    }

    /** @return an error about this data, to throw */
    public MalformedElfException error(String problem) {
        return new MalformedElfException(what + ": " + problem);
    }

    private void need(long n) {
        if (n < 0 || pos < 0 || pos + n > end) {
            throw error("truncated at offset 0x" + Long.toHexString(pos));
        }
    }

    /** Moves past n bytes. */
    public void skip(long n) {
        need(n);
        pos += n;
    }

    /** @return the next unsigned byte */
    public int u8() {
        need(1);
        return data[(int) pos++] & 0xFF;
    }

    /** @return the next unsigned 16-bit number */
    public int u16() {
        need(2);
        return u8() | u8() << 8;
    }

    /** @return the next unsigned 32-bit number */
    public long u32() {
        need(4);
        long v = 0;
        for (int i = 3; i >= 0; i--) {
            v = v << 8 | (data[(int) pos + i] & 0xFF);
        }
        pos += 4;
        return v;
    }

    /** @return the next signed 32-bit number */
    public int i32() {
        return (int) u32();
    }

    /** @return the next 64-bit number */
    public long u64() {
        need(8);
        return u32() | u32() << 32;
    }

    /** @return the next unsigned LEB128 number (bits past 64 are dropped) */
    public long uleb() {
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

    /** @return the next signed LEB128 number */
    public long sleb() {
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

    /** @return the next n bytes */
    public byte[] bytes(int n) {
        need(n);
        byte[] b = new byte[n];
        System.arraycopy(data, (int) pos, b, 0, n);
        pos += n;
        return b;
    }

    /** @return the NUL-terminated UTF-8 string at the position */
    public String cString() {
        long start = pos;
        while (true) {
            if (pos < 0 || pos >= end) {
                throw error("string at 0x" + Long.toHexString(start) + " is not terminated");
            }
            if (data[(int) pos++] == 0) {
                return new String(data, (int) start, (int) (pos - 1 - start), StandardCharsets.UTF_8);
            }
        }
    }

    /**
     * Reads a DW_EH_PE-encoded pointer.
     *
     * @param enc the encoding ({@link PointerEncoding#OMIT}: nothing is read, 0)
     * @param fieldAddress the virtual address of the field itself (the base of pc-relative values)
     * @return the value (for indirect encodings: the address of the slot, not its contents)
     */
    public long pointer(int enc, long fieldAddress) {
        if (enc == PointerEncoding.OMIT) {
            return 0;
        }
        long v = switch (enc & 0x0F) {
            case 0x00, 0x04, 0x0C -> u64();
            case 0x01 -> uleb();
            case 0x02 -> u16();
            case 0x03 -> u32();
            case 0x09 -> sleb();
            case 0x0A -> (short) u16();
            case 0x0B -> i32();
            default -> throw error(String.format("pointer encoding 0x%x is not supported", enc));
        };
        return (enc & 0x70) == 0x10 ? v + fieldAddress : v;
    }
}
