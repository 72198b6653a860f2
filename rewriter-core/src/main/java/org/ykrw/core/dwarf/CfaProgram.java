package org.ykrw.core.dwarf;


import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * An FDE's CFA program cut at its location changes: row k starts at {@code loc(k)} and is reached from
 * row k-1 by running {@code ops(k)} (row 0: the FDE's instructions before its first advance, applied
 * on top of the CIE's initial instructions). Replaying rows 0..k in order, without advances, gives the
 * unwind state of any address in row k; that is how moved code gets its state back at new addresses.
 */
public final class CfaProgram {
    /** One row: where it starts and the instructions (no advances) leading into it. */
    public record Row(long loc, byte[] ops) {
    }

    private final List<Row> rows;
    /** Each row's location, for searching without visiting the rows. */
    private final long[] locs;

    private CfaProgram(List<Row> rows) {
        this.rows = rows;
        this.locs = new long[rows.size()];
        for (int i = 0; i < locs.length; i++) {
            locs[i] = rows.get(i).loc();
        }
    }

    /** @return the rows, in increasing location order */
    public List<Row> rows() {
        return rows;
    }

    /** @return index of the row in effect at {@code address} (the last row starting at or before it) */
    public int rowAt(long address) {
        int lo = 0;
        int hi = locs.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (locs[mid] <= address) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /**
     * @param row the row in effect at some address before {@code address}
     * @return {@link #rowAt} of {@code address}, found by moving forward from {@code row} (locations never decrease)
     */
    public int rowFrom(int row, long address) {
        int r = row;
        while (r + 1 < locs.length && locs[r + 1] <= address) {
            r++;
        }
        return r;
    }

    /**
     * Splits {@code fde}'s program.
     *
     * @throws UnwindRewriteException when the code alignment factor is not 1 (x86-64 always uses 1)
     */
    public static CfaProgram of(EhFrame.Fde fde) {
        if (fde.cie().codeAlignment() != 1) {
            throw new UnwindRewriteException("code alignment factor " + fde.cie().codeAlignment() + " is not supported");
        }
        byte[] p = fde.instructions();
        DwarfCursor r = new DwarfCursor(p, 0, p.length, "call frame instructions");
        List<Row> rows = new ArrayList<>();
        ByteArrayOutputStream ops = new ByteArrayOutputStream();
        long loc = fde.pcBegin();
        long rowLoc = loc;
        while (r.pos < p.length) {
            int start = (int) r.pos;
            int op = r.u8();
            long advance = -1;
            switch (op >> 6) {
                case 1 -> advance = op & 0x3F;
                case 2 -> r.uleb();   // DW_CFA_offset
                case 3 -> { }         // DW_CFA_restore
                default -> {
                    switch (op) {
                        case 0x00, 0x0A, 0x0B, 0x2D -> { }   // nop, remember/restore_state, GNU_window_save
                        case 0x01 -> {                        // set_loc: an address in the FDE encoding
                            long to = PointerEncoding.readExact(r, fde.cie().fdeEncoding() & 0x0F, 0);
                            advance = to - loc;
                        }
                        case 0x02 -> advance = r.u8();
                        case 0x03 -> advance = r.u8() | r.u8() << 8;
                        case 0x04 -> advance = r.u32();
                        case 0x06, 0x07, 0x08, 0x0D, 0x0E, 0x2E -> r.uleb();
                        case 0x13 -> r.sleb();
                        case 0x05, 0x09, 0x0C, 0x14, 0x2F -> {
                            r.uleb();
                            r.uleb();
                        }
                        case 0x11, 0x12, 0x15 -> {
                            r.uleb();
                            r.sleb();
                        }
                        case 0x0F -> r.bytes((int) r.uleb());
                        case 0x10, 0x16 -> {
                            r.uleb();
                            r.bytes((int) r.uleb());
                        }
                        default -> throw new UnwindRewriteException(String.format(
                                "CFA instruction 0x%x in the FDE of 0x%x is unknown", op, fde.pcBegin()));
                    }
                }
            }
            if (advance >= 0) {
                rows.add(new Row(rowLoc, ops.toByteArray()));
                ops.reset();
                loc += advance;
                rowLoc = loc;
            } else if (op != 0x00) {
                ops.write(p, start, (int) r.pos - start);
            }
        }
        rows.add(new Row(rowLoc, ops.toByteArray()));
        return new CfaProgram(List.copyOf(rows));
    }

    /** Writes an advance of {@code delta} bytes in its shortest form (code alignment factor 1). */
    public static void advance(DwarfWriter out, long delta) {
        if (delta < 0x40) {
            out.u8(0x40 | (int) delta);
        } else if (delta < 0x100) {
            out.u8(0x02).u8((int) delta);
        } else if (delta < 0x10000) {
            out.u8(0x03).u8((int) delta & 0xFF).u8((int) (delta >> 8));
        } else {
            out.u8(0x04).u32(delta);
        }
    }
}
