package org.ykrw.coverage;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.ykrw.core.diag.MalformedRunFileException;
import org.ykrw.core.diag.YkrwException;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.Section;

/**
 * The successor table an {@code instrument --trace} output carries in its {@code .ykrw.trace} section
 * (docs/FORMATS.md section 3): per probe, what the CFG predicts after it. The encoded chunks of a
 * trace run are read against it.
 */
public final class TraceTable {
    /** The section's name. */
    public static final String SECTION_NAME = ".ykrw.trace";
    private static final String MAGIC = "YKRWSUC1";
    private static final int HEADER = 32;
    private static final int ENTRY = 16;
    /** No such probe. */
    static final int NONE = -1;
    /** The block ends in a call. */
    static final int CALL = 1;
    /** The block ends in a return. */
    static final int RET = 2;

    private final int[] next0;
    private final int[] next1;
    private final int[] ret;
    private final int[] flags;

    private TraceTable(int[] next0, int[] next1, int[] ret, int[] flags) {
        this.next0 = next0;
        this.next1 = next1;
        this.ret = ret;
        this.flags = flags;
    }

    /**
     * @param elf an output of {@code instrument --trace} with the embedded recorder
     * @return its table
     */
    public static TraceTable fromElf(ElfFile elf) {
        String where = elf.name() + " section " + SECTION_NAME;
        Section s = elf.section(SECTION_NAME).orElseThrow(() -> new YkrwException(elf.name() + " has no "
                + SECTION_NAME + " section (not an instrument --trace output with the embedded recorder)"));
        if (!s.hasFileBytes() || s.offset() < 0 || s.size() < HEADER || s.offset() > elf.data().length
                || s.size() > elf.data().length - s.offset()) {
            throw new MalformedRunFileException(where, String.format("offset 0x%x size 0x%x is outside the file",
                    s.offset(), s.size()));
        }
        return parse(ByteBuffer.wrap(elf.data(), (int) s.offset(), (int) s.size()).slice().order(ByteOrder.LITTLE_ENDIAN),
                where);
    }

    /**
     * @param t the table's bytes
     * @param where name used in messages
     * @return the table
     */
    static TraceTable parse(ByteBuffer t, String where) {
        byte[] magic = new byte[8];
        t.get(0, magic);
        if (!MAGIC.equals(new String(magic, StandardCharsets.ISO_8859_1))) {
            throw new MalformedRunFileException(where, "not a successor table (magic is not " + MAGIC + ")");
        }
        long count = t.getInt(8) & 0xFFFF_FFFFL;
        if (count > (t.capacity() - HEADER) / ENTRY) {
            throw new MalformedRunFileException(where, count + " entries do not fit in " + t.capacity() + " bytes");
        }
        int n = (int) count;
        int[] next0 = new int[n];
        int[] next1 = new int[n];
        int[] ret = new int[n];
        int[] flags = new int[n];
        for (int i = 0; i < n; i++) {
            int at = HEADER + ENTRY * i;
            next0[i] = t.getInt(at);
            next1[i] = t.getInt(at + 4);
            ret[i] = t.getInt(at + 8);
            flags[i] = t.getInt(at + 12);
        }
        return new TraceTable(next0, next1, ret, flags);
    }

    /** @return probes in the table */
    public int count() {
        return next0.length;
    }

    /** @return bits of a probe number after an escape code (the runtime's trace_width) */
    int width() {
        int width = 1;
        while (width < 30 && (1L << width) < count()) {
            width++;
        }
        return width;
    }

    int next0(int probe) {
        return next0[probe];
    }

    int next1(int probe) {
        return next1[probe];
    }

    int ret(int probe) {
        return ret[probe];
    }

    int flags(int probe) {
        return flags[probe];
    }
}
