package org.ykrw.core.dwarf;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.ykrw.core.diag.MalformedElfException;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.Section;
import org.ykrw.core.dwarf.LineTable.Row;

/**
 * Reads DWARF {@code .debug_line} (versions 2 to 5; gcc 12 and clang 14 write 5 by default, older
 * tools 4) into a {@link LineTable} by running each unit's line-number program. Strings of DWARF 5
 * file tables come from {@code .debug_line_str} and {@code .debug_str}; zlib-compressed sections
 * ({@code SHF_COMPRESSED}) are inflated first. Every read is bounded by its unit, and a malformed
 * table is one {@link MalformedElfException} naming the unit's offset.
 *
 * <p>Not handled: DWARF 4 file names relative to the compilation directory stay relative (the
 * directory is in {@code .debug_info}, which this reader does not parse); VLIW op-index is ignored
 * (x86 has one operation per instruction).
 */
public final class LineTableReader {
    private static final long SHF_COMPRESSED = 0x800;
    private static final int ELFCOMPRESS_ZLIB = 1;
    /** An inflated debug section larger than this is refused (a corrupt size field, not real data). */
    private static final long MAX_INFLATED = 1L << 30;

    // DW_LNS standard opcodes
    private static final int LNS_COPY = 1, LNS_ADVANCE_PC = 2, LNS_ADVANCE_LINE = 3, LNS_SET_FILE = 4,
            LNS_SET_COLUMN = 5, LNS_NEGATE_STMT = 6, LNS_SET_BASIC_BLOCK = 7, LNS_CONST_ADD_PC = 8,
            LNS_FIXED_ADVANCE_PC = 9, LNS_SET_PROLOGUE_END = 10, LNS_SET_EPILOGUE_BEGIN = 11, LNS_SET_ISA = 12;
    // DW_LNE extended opcodes
    private static final int LNE_END_SEQUENCE = 1, LNE_SET_ADDRESS = 2, LNE_DEFINE_FILE = 3;
    // DW_LNCT content types and DW_FORM forms of DWARF 5 file tables
    private static final int LNCT_PATH = 1, LNCT_DIRECTORY_INDEX = 2;
    private static final int FORM_BLOCK = 0x09, FORM_DATA1 = 0x0b, FORM_DATA2 = 0x05, FORM_DATA4 = 0x06,
            FORM_DATA8 = 0x07, FORM_DATA16 = 0x1e, FORM_STRING = 0x08, FORM_STRP = 0x0e, FORM_UDATA = 0x0f,
            FORM_LINE_STRP = 0x1f;

    private final byte[] lineStr;
    private final byte[] str;
    private final List<Row> rows = new ArrayList<>();
    private int maxVersion;

    private LineTableReader(byte[] lineStr, byte[] str) {
        this.lineStr = lineStr;
        this.str = str;
    }

    /**
     * @param elf the binary
     * @return its line table (empty when it has no {@code .debug_line})
     */
    public static LineTable read(ElfFile elf) {
        byte[] line = contents(elf, ".debug_line");
        if (line == null) {
            return new LineTable(List.of(), 0);
        }
        try {
            return parse(line, contents(elf, ".debug_line_str"), contents(elf, ".debug_str"));
        } catch (MalformedElfException e) {
            throw new MalformedElfException(elf.name() + ": " + e.getMessage());
        }
    }

    /**
     * @param debugLine contents of {@code .debug_line}
     * @param debugLineStr contents of {@code .debug_line_str}, or null
     * @param debugStr contents of {@code .debug_str}, or null
     * @return the rows of every unit
     */
    public static LineTable parse(byte[] debugLine, byte[] debugLineStr, byte[] debugStr) {
        LineTableReader r = new LineTableReader(debugLineStr, debugStr);
        long pos = 0;
        while (pos < debugLine.length) {
            pos = r.unit(cursor(debugLine, pos, debugLine.length, pos));
        }
        return new LineTable(r.rows, r.maxVersion);
    }

    /** @return the section's bytes, inflated when compressed; null when there is no such section */
    private static byte[] contents(ElfFile elf, String name) {
        Section s = elf.section(name).orElse(null);
        if (s == null || !s.hasFileBytes()) {
            return null;
        }
        byte[] data = elf.data();
        if (s.offset() < 0 || s.size() < 0 || s.offset() > data.length || s.size() > data.length - s.offset()) {
            throw new MalformedElfException(String.format("%s: %s at offset 0x%x size 0x%x runs past end of file",
                    elf.name(), name, s.offset(), s.size()));
        }
        int off = (int) s.offset();
        int size = (int) s.size();
        if ((s.flags() & SHF_COMPRESSED) == 0) {
            byte[] out = new byte[size];
            System.arraycopy(data, off, out, 0, size);
            return out;
        }
        // Elf64_Chdr: type, reserved, uncompressed size, alignment; then the zlib stream.
        DwarfCursor c = cursor(data, off, off + size, off);
        long type = c.u32();
        c.u32();
        long inflatedSize = c.u64();
        c.u64();
        if (type != ELFCOMPRESS_ZLIB || inflatedSize < 0 || inflatedSize > MAX_INFLATED) {
            throw new MalformedElfException(String.format("%s: %s compression type %d, size %d is not supported",
                    elf.name(), name, type, inflatedSize));
        }
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(data, (int) c.pos, off + size - (int) c.pos);
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) inflatedSize);
            byte[] buf = new byte[64 * 1024];
            while (!inflater.finished() && out.size() <= inflatedSize) {
                int n = inflater.inflate(buf);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                out.write(buf, 0, n);
            }
            if (out.size() != inflatedSize) {
                throw new MalformedElfException(String.format("%s: %s inflates to %d bytes, its header says %d",
                        elf.name(), name, out.size(), inflatedSize));
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new MalformedElfException(elf.name() + ": " + name + " is not a valid zlib stream");
        } finally {
            inflater.end();
        }
    }

    /** Reads one unit at the cursor and runs its program; returns the offset of the next unit. */
    private long unit(DwarfCursor c) {
        long unitStart = c.pos;
        // 1. Unit header: length (32- or 64-bit DWARF), version, header length.
        long length = c.u32();
        boolean dwarf64 = length == 0xFFFF_FFFFL;
        if (dwarf64) {
            length = c.u64();
        } else if (length >= 0xFFFF_FFF0L) {
            throw c.error("reserved unit length 0x" + Long.toHexString(length));
        }
        if (length < 0 || length > c.remaining()) {
            throw c.error("unit length " + length + " runs past the end of .debug_line");
        }
        long unitEnd = c.pos + length;
        DwarfCursor u = cursor(c.data(), c.pos, unitEnd, unitStart);
        int version = u.u16();
        if (version < 2 || version > 5) {
            throw u.error("line table version " + version + " is not supported");
        }
        maxVersion = Math.max(maxVersion, version);
        if (version >= 5) {
            int addressSize = u.u8();
            u.u8();  // segment selector size
            if (addressSize != 8 && addressSize != 4) {
                throw u.error("address size " + addressSize + " is not supported");
            }
        }
        long headerLength = dwarf64 ? u.u64() : u.u32();
        if (headerLength < 0 || headerLength > unitEnd - u.pos) {
            throw u.error("header length " + headerLength + " runs past the unit");
        }
        long programStart = u.pos + headerLength;
        int minInsnLength = u.u8();
        if (version >= 4) {
            u.u8();  // maximum operations per instruction: 1 on x86
        }
        boolean defaultIsStmt = u.u8() != 0;
        int lineBase = (byte) u.u8();
        int lineRange = u.u8();
        int opcodeBase = u.u8();
        if (lineRange == 0 || opcodeBase == 0) {
            throw u.error("line_range " + lineRange + " / opcode_base " + opcodeBase + " is zero");
        }
        int[] argCounts = new int[opcodeBase];
        for (int i = 1; i < opcodeBase; i++) {
            argCounts[i] = u.u8();
        }
        // 2. Directory and file tables.
        List<String> dirs = new ArrayList<>();
        List<String> files = new ArrayList<>();
        if (version >= 5) {
            for (String[] entry : entryTable(u, dwarf64)) {
                dirs.add(entry[0] != null ? entry[0] : "");
            }
            for (String[] entry : entryTable(u, dwarf64)) {
                long dir = entry[1] != null ? parseIndex(u, entry[1]) : 0;
                files.add(join(dirs, dir, entry[0] != null ? entry[0] : "?"));
            }
        } else {
            dirs.add("");  // directory 0: the compilation directory, named only in .debug_info
            for (String d = u.cString(); !d.isEmpty(); d = u.cString()) {
                dirs.add(d);
            }
            files.add("");  // file indices start at 1 before DWARF 5
            for (String f = u.cString(); !f.isEmpty(); f = u.cString()) {
                long dir = u.uleb();
                u.uleb();
                u.uleb();
                files.add(join(dirs, dir, f));
            }
        }
        // 3. The line-number program.
        u.pos = programStart;
        State s = new State(defaultIsStmt);
        while (u.pos < unitEnd) {
            int op = u.u8();
            if (op >= opcodeBase) {
                int adjusted = op - opcodeBase;
                s.address += (long) (adjusted / lineRange) * minInsnLength;
                s.line += lineBase + adjusted % lineRange;
                emit(u, s, files, false);
                continue;
            }
            switch (op) {
                case 0 -> {
                    long len = u.uleb();
                    if (len == 0 || len > unitEnd - u.pos) {
                        throw u.error("extended opcode length " + len + " runs past the unit");
                    }
                    long next = u.pos + len;
                    int sub = u.u8();
                    switch (sub) {
                        case LNE_END_SEQUENCE -> {
                            emit(u, s, files, true);
                            s = new State(defaultIsStmt);
                        }
                        case LNE_SET_ADDRESS -> s.address = len - 1 == 4 ? u.u32() : u.u64();
                        case LNE_DEFINE_FILE -> {
                            String f = u.cString();
                            long dir = u.uleb();
                            files.add(join(dirs, dir, f));
                        }
                        default -> {
                            // set_discriminator and vendor extensions: nothing a line table needs
                        }
                    }
                    u.pos = next;
                }
                case LNS_COPY -> emit(u, s, files, false);
                case LNS_ADVANCE_PC -> s.address += u.uleb() * minInsnLength;
                case LNS_ADVANCE_LINE -> s.line += u.sleb();
                case LNS_SET_FILE -> s.file = u.uleb();
                case LNS_NEGATE_STMT -> s.isStmt = !s.isStmt;
                case LNS_CONST_ADD_PC -> s.address += (long) ((255 - opcodeBase) / lineRange) * minInsnLength;
                case LNS_FIXED_ADVANCE_PC -> s.address += u.u16();
                case LNS_SET_COLUMN, LNS_SET_ISA -> u.uleb();
                case LNS_SET_BASIC_BLOCK, LNS_SET_PROLOGUE_END, LNS_SET_EPILOGUE_BEGIN -> {
                }
                default -> {
                    // an opcode this reader does not know: its operand count is in the header
                    for (int i = 0; i < argCounts[op]; i++) {
                        u.uleb();
                    }
                }
            }
        }
        return unitEnd;
    }

    private void emit(DwarfCursor u, State s, List<String> files, boolean endSequence) {
        if (s.file < 0 || s.file >= files.size()) {
            throw u.error("file index " + s.file + " is not in the unit's file table (" + files.size() + " entries)");
        }
        int line = s.line < 0 || s.line > Integer.MAX_VALUE ? 0 : (int) s.line;
        rows.add(new Row(s.address, files.get((int) s.file), line, endSequence));
    }

    private static long parseIndex(DwarfCursor u, String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw u.error("directory index " + text + " is not a number");
        }
    }

    private static String join(List<String> dirs, long dir, String name) {
        if (name.startsWith("/") || dir < 0 || dir >= dirs.size() || dirs.get((int) dir).isEmpty()) {
            return name;
        }
        String d = dirs.get((int) dir);
        return d.endsWith("/") ? d + name : d + "/" + name;
    }

    /**
     * Reads a DWARF 5 directory or file table: entry formats, then entries.
     *
     * @return per entry {path, directory index as text}
     */
    private List<String[]> entryTable(DwarfCursor u, boolean dwarf64) {
        int formatCount = u.u8();
        long[][] formats = new long[formatCount][2];
        for (int i = 0; i < formatCount; i++) {
            formats[i][0] = u.uleb();
            formats[i][1] = u.uleb();
        }
        long count = u.uleb();
        if (count > u.remaining()) {
            throw u.error(count + " table entries cannot fit in the unit");
        }
        List<String[]> out = new ArrayList<>();
        for (long e = 0; e < count; e++) {
            String[] entry = new String[2];
            for (long[] f : formats) {
                String value = formValue(u, (int) f[1], dwarf64);
                if (f[0] == LNCT_PATH) {
                    entry[0] = value;
                } else if (f[0] == LNCT_DIRECTORY_INDEX) {
                    entry[1] = value;
                }
            }
            out.add(entry);
        }
        return out;
    }

    /** Reads one attribute value; strings are resolved, numbers returned as decimal text, the rest skipped. */
    private String formValue(DwarfCursor u, int form, boolean dwarf64) {
        switch (form) {
            case FORM_STRING -> {
                return u.cString();
            }
            case FORM_LINE_STRP, FORM_STRP -> {
                long off = dwarf64 ? u.u64() : u.u32();
                byte[] table = form == FORM_LINE_STRP ? lineStr : str;
                String tableName = form == FORM_LINE_STRP ? ".debug_line_str" : ".debug_str";
                if (table == null || off < 0 || off >= table.length) {
                    throw u.error("string offset 0x" + Long.toHexString(off) + " is outside " + tableName);
                }
                return cursor(table, off, table.length, off).cString();
            }
            case FORM_UDATA -> {
                return Long.toString(u.uleb());
            }
            case FORM_DATA1 -> {
                return Integer.toString(u.u8());
            }
            case FORM_DATA2 -> {
                return Integer.toString(u.u16());
            }
            case FORM_DATA4 -> {
                return Long.toString(u.u32());
            }
            case FORM_DATA8 -> {
                return Long.toString(u.u64());
            }
            case FORM_DATA16 -> {
                u.skip(16);
                return null;
            }
            case FORM_BLOCK -> {
                u.skip(u.uleb());
                return null;
            }
            default -> throw u.error("form 0x" + Integer.toHexString(form) + " in a file table is not supported");
        }
    }

    /** The line-number state machine's registers that rows need. */
    private static final class State {
        long address;
        long file;
        long line = 1;
        boolean isStmt;

        State(boolean isStmt) {
            this.isStmt = isStmt;
            this.file = 1;  // the initial file register is 1 in every version, DWARF 5 included
        }
    }

    /** @return a cursor over one unit (or string table) whose errors name the unit */
    private static DwarfCursor cursor(byte[] data, long pos, long end, long unitOffset) {
        return new DwarfCursor(data, pos, end, String.format(".debug_line unit at 0x%x", unitOffset));
    }
}
