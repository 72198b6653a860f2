package org.ykrw.core.dwarf;

/**
 * DW_EH_PE pointer encodings (.eh_frame, .eh_frame_hdr, LSDAs): a format in the low nibble (size and
 * sign) and an application in bits 4-6 (what the stored value is relative to). Reading for lifting is
 * {@link DwarfCursor#pointer}, which takes any application as absolute but pc-relative; reading for
 * rewriting is {@link #readExact}, which refuses what it could not write again.
 */
public final class PointerEncoding {
    /** DW_EH_PE_omit: no value. */
    public static final int OMIT = 0xFF;
    /** DW_EH_PE_pcrel: relative to the field's own address. */
    public static final int PCREL = 0x10;

    private PointerEncoding() {
    }

    /**
     * Reads a pointer as the unwind rewriter needs it: absolute or pc-relative only, and a raw 0 stays
     * 0 (libgcc never adds the pc-relative base to a raw 0, so it means "absent" wherever it is written).
     *
     * @param r the cursor, at the field
     * @param enc the encoding (OMIT: nothing is read, 0)
     * @param fieldAddress the field's virtual address
     * @return the pointer's absolute value, 0 when its raw value is 0
     * @throws UnwindRewriteException for an application other than absolute or pc-relative
     */
    public static long readExact(DwarfCursor r, int enc, long fieldAddress) {
        if (enc == OMIT) {
            return 0;
        }
        int application = enc & 0x70;
        if (application != 0 && application != PCREL) {
            throw new UnwindRewriteException(String.format("pointer encoding 0x%x is not supported", enc));
        }
        long raw = r.pointer(enc & 0x0F, 0);
        return raw == 0 ? 0 : application == PCREL ? raw + fieldAddress : raw;
    }

    /**
     * Writes a pointer in {@code enc} so that it reads back as {@code value} at {@code fieldAddress}.
     *
     * @param out where to write
     * @param enc the encoding (OMIT: nothing is written)
     * @param value the absolute value (0 is written as a raw 0)
     * @param fieldAddress the address the field will have
     * @throws UnwindRewriteException when the value does not fit the encoding there
     */
    public static void write(DwarfWriter out, int enc, long value, long fieldAddress) {
        if (enc == OMIT) {
            return;
        }
        int application = enc & 0x70;
        long raw = value == 0 ? 0 : application == PCREL ? value - fieldAddress : value;
        switch (enc & 0x0F) {
            case 0x00, 0x04, 0x0C -> out.u64(raw);
            case 0x03 -> {
                check(raw >= 0 && raw <= 0xFFFF_FFFFL, enc, value);
                out.u32(raw);
            }
            case 0x0B -> {
                check(raw == (int) raw, enc, value);
                out.u32(raw);
            }
            case 0x02 -> {
                check(raw >= 0 && raw <= 0xFFFF, enc, value);
                out.u8((int) raw & 0xFF).u8((int) (raw >> 8) & 0xFF);
            }
            case 0x0A -> {
                check(raw == (short) raw, enc, value);
                out.u8((int) raw & 0xFF).u8((int) (raw >> 8) & 0xFF);
            }
            case 0x01 -> {
                check(application == 0 && raw >= 0, enc, value);  // a pc-relative LEB's size would depend on its place
                out.uleb(raw);
            }
            case 0x09 -> {
                check(application == 0, enc, value);
                out.sleb(raw);
            }
            default -> throw new UnwindRewriteException(String.format("pointer encoding 0x%x is not supported", enc));
        }
    }

    /**
     * @param enc an encoding
     * @return the size {@link #write} gives it
     * @throws UnwindRewriteException for a variable-size (LEB128) or unknown format
     */
    public static int size(int enc) {
        return switch (enc & 0x0F) {
            case 0x00, 0x04, 0x0C -> 8;
            case 0x03, 0x0B -> 4;
            case 0x02, 0x0A -> 2;
            default -> throw new UnwindRewriteException(String.format("pointer encoding 0x%x has no fixed size", enc));
        };
    }

    /**
     * @param format an encoding's format nibble
     * @param v a raw value
     * @return true when {@code v} fits the format (LEB128 and 8-byte formats hold anything)
     */
    public static boolean fits(int format, long v) {
        return switch (format) {
            case 0x03 -> v >= 0 && v <= 0xFFFF_FFFFL;
            case 0x0B -> v == (int) v;
            case 0x02 -> v >= 0 && v <= 0xFFFF;
            case 0x0A -> v == (short) v;
            default -> true;
        };
    }

    private static void check(boolean ok, int enc, long value) {
        if (!ok) {
            throw new UnwindRewriteException(String.format("0x%x does not fit pointer encoding 0x%x", value, enc));
        }
    }
}
