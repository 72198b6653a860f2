package org.ykrw.testsuite.corpus;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Generates damaged copies of one valid x86-64 ELF file, each named for what was done to it: truncated
 * at every header, table and section boundary; every header field of the file, program and section
 * headers set to values past the end, absurd, zero or of the wrong kind; the contents of .dynamic,
 * .dynsym, .symtab, .rela.*, .eh_frame, .eh_frame_hdr, .init_array and .interp pointed elsewhere.
 * Copies with identical bytes are generated once. Nothing is checked in: the corpus is made from
 * whatever valid file the test gives it.
 */
public final class MalformedCorpus {
    private static final long HUGE = 1L << 40;

    private final byte[] good;
    private final RawElf elf;
    private final Map<String, byte[]> out = new LinkedHashMap<>();
    private final Set<Integer> seen = new HashSet<>();

    private MalformedCorpus(byte[] good) {
        this.good = good;
        this.elf = new RawElf(good);
    }

    /**
     * @param good a valid x86-64 executable with section headers
     * @return damaged copies by name, in a stable order
     */
    public static Map<String, byte[]> generate(byte[] good) {
        MalformedCorpus c = new MalformedCorpus(good);
        c.notElf();
        c.truncations();
        c.fileHeader();
        c.programHeaders();
        c.sectionHeaders();
        c.contents();
        return c.out;
    }

    private void add(String name, byte[] bytes) {
        if (seen.add(Arrays.hashCode(bytes)) && !Arrays.equals(bytes, good)) {
            out.put(name, bytes);
        }
    }

    private byte[] with(long offset, int width, long value) {
        byte[] c = good.clone();
        ByteBuffer b = ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN);
        int o = (int) offset;
        switch (width) {
            case 1 -> c[o] = (byte) value;
            case 2 -> b.putShort(o, (short) value);
            case 4 -> b.putInt(o, (int) value);
            default -> b.putLong(o, value);
        }
        return c;
    }

    private void set(String name, long offset, int width, long value) {
        if (offset >= 0 && offset + width <= good.length) {
            add(name, with(offset, width, value));
        }
    }

    private void notElf() {
        add("empty", new byte[0]);
        add("script", "#!/bin/sh\necho not an ELF\n".getBytes());
        add("zeros", new byte[4096]);
        byte[] badMagic = good.clone();
        badMagic[1] = 'X';
        add("bad-magic", badMagic);
    }

    /** Truncated at every boundary the reader crosses, and one byte before it. */
    private void truncations() {
        long[] fixed = {1, 4, 5, 6, 7, 16, 18, 24, 32, 40, 48, 56, 63, 64};
        for (long at : fixed) {
            truncate("truncated-header-at-" + at, at);
        }
        for (int i = 0; i <= elf.phnum; i++) {
            truncate("truncated-phdr-" + i, elf.phoff + 56L * i);
            truncate("truncated-inside-phdr-" + i, elf.phoff + 56L * i + 20);
        }
        for (int i = 0; i <= elf.shnum; i++) {
            truncate("truncated-shdr-" + i, elf.shoff + 64L * i);
            truncate("truncated-inside-shdr-" + i, elf.shoff + 64L * i + 30);
        }
        for (RawElf.Sh s : elf.sections) {
            if (s.type() != 8 && s.size() > 0) {
                truncate("truncated-start-of-" + s.name(), s.offset());
                truncate("truncated-inside-" + s.name(), s.offset() + s.size() / 2);
                truncate("truncated-end-of-" + s.name(), s.offset() + s.size() - 1);
            }
        }
        for (RawElf.Ph p : elf.segments) {
            truncate("truncated-segment-" + p.index() + "-end", p.offset() + p.filesz() - 1);
        }
        truncate("truncated-last-byte", good.length - 1L);
    }

    private void truncate(String name, long at) {
        if (at >= 0 && at < good.length) {
            add(name, Arrays.copyOf(good, (int) at));
        }
    }

    /** e_ident and every e_* field: wrong kinds, zero, past the end, absurd. */
    private void fileHeader() {
        for (int v : new int[] {0, 1, 3, 0xFF}) {
            set("ei-class-" + v, 4, 1, v);
        }
        for (int v : new int[] {0, 2, 3}) {
            set("ei-data-" + v, 5, 1, v);
        }
        set("ei-version-0", 6, 1, 0);
        set("ei-version-2", 6, 1, 2);
        set("ei-osabi-0xff", 7, 1, 0xFF);
        for (int v : new int[] {0, 1, 4, 5, 0xFE00, 0xFFFF}) {
            set("e-type-" + v, 16, 2, v);
        }
        for (int v : new int[] {0, 3, 40, 183, 0xFFFF}) {
            set("e-machine-" + v, 18, 2, v);
        }
        set("e-version-0", 20, 4, 0);
        set("e-version-huge", 20, 4, 0xFFFFFFFFL);
        set("e-entry-0", 24, 8, 0);
        set("e-entry-unmapped", 24, 8, 0x7000_0000_0000L);
        set("e-entry-minus-1", 24, 8, -1);
        set("e-entry-in-data", 24, 8, sectionAddress(".data", 8));
        for (long v : new long[] {0, 1, good.length, good.length - 10L, HUGE, -1, Long.MIN_VALUE}) {
            set("e-phoff-" + Long.toHexString(v), 32, 8, v);
            set("e-shoff-" + Long.toHexString(v), 40, 8, v);
        }
        set("e-ehsize-0", 52, 2, 0);
        set("e-ehsize-huge", 52, 2, 0xFFFF);
        for (int v : new int[] {0, 32, 57, 0xFFFF}) {
            set("e-phentsize-" + v, 54, 2, v);
            set("e-shentsize-" + v, 58, 2, v);
        }
        for (int v : new int[] {0, 1, elf.phnum - 1, elf.phnum + 1, 0xFFFF}) {
            set("e-phnum-" + v, 56, 2, v);
        }
        for (int v : new int[] {0, 1, elf.shnum - 1, elf.shnum + 1, 0xFFFF}) {
            set("e-shnum-" + v, 60, 2, v);
        }
        for (int v : new int[] {0, elf.shnum, elf.shnum - 1, 0xFFFF, 0xFFF0, 1}) {
            set("e-shstrndx-" + v, 62, 2, v);
        }
    }

    private long sectionAddress(String name, long fallback) {
        RawElf.Sh s = elf.section(name);
        return s == null ? fallback : s.address();
    }

    /** Each program header: offsets and sizes past the end, overlaps, overflows, other types. */
    private void programHeaders() {
        for (RawElf.Ph p : elf.segments) {
            String n = "phdr-" + p.index() + "-type-" + p.type() + "-";
            set(n + "offset-past-end", p.headerField(elf, 8), 8, good.length + 16L);
            set(n + "offset-huge", p.headerField(elf, 8), 8, HUGE);
            set(n + "offset-negative", p.headerField(elf, 8), 8, -4096);
            set(n + "vaddr-wraps", p.headerField(elf, 16), 8, -4096);
            set(n + "vaddr-0", p.headerField(elf, 16), 8, 0);
            set(n + "filesz-past-end", p.headerField(elf, 32), 8, good.length + 1L);
            set(n + "filesz-huge", p.headerField(elf, 32), 8, HUGE);
            set(n + "filesz-0", p.headerField(elf, 32), 8, 0);
            set(n + "memsz-0", p.headerField(elf, 40), 8, 0);
            set(n + "memsz-huge", p.headerField(elf, 40), 8, Long.MAX_VALUE);
            set(n + "memsz-below-filesz", p.headerField(elf, 40), 8, Math.max(0, p.filesz() - 1));
            set(n + "align-3", p.headerField(elf, 48), 8, 3);
            for (int t : new int[] {0, 1, 2, 3, 6, 0x6474e550, 0x6474e552, 0x7FFFFFFF}) {
                set(n + "as-type-" + Integer.toHexString(t), p.headerField(elf, 0), 4, t);
            }
            for (RawElf.Ph q : elf.segments) {
                if (q.type() == 1 && p.type() == 1 && q.index() != p.index()) {
                    set(n + "overlaps-load-" + q.index(), p.headerField(elf, 16), 8, q.vaddr() + 16);
                }
            }
        }
    }

    /** Each section header: offsets, sizes, links, names and types that cannot be right. */
    private void sectionHeaders() {
        for (RawElf.Sh s : elf.sections) {
            String n = "shdr-" + s.index() + (s.name().isEmpty() ? "" : "-" + s.name()) + "-";
            set(n + "name-past-strtab", s.headerField(elf, 0), 4, 0x7FFFFFF0L);
            set(n + "offset-past-end", s.headerField(elf, 24), 8, good.length + 16L);
            set(n + "offset-negative", s.headerField(elf, 24), 8, -64);
            set(n + "offset-0", s.headerField(elf, 24), 8, 0);
            set(n + "size-huge", s.headerField(elf, 32), 8, HUGE);
            set(n + "size-past-end", s.headerField(elf, 32), 8, good.length - s.offset() + 8);
            set(n + "size-0", s.headerField(elf, 32), 8, 0);
            set(n + "size-odd", s.headerField(elf, 32), 8, s.size() | 1);
            set(n + "addr-unmapped", s.headerField(elf, 16), 8, 0x7000_0000_0000L);
            set(n + "link-out-of-range", s.headerField(elf, 40), 4, elf.shnum + 5L);
            set(n + "link-self", s.headerField(elf, 40), 4, s.index());
            set(n + "link-0", s.headerField(elf, 40), 4, 0);
            set(n + "info-huge", s.headerField(elf, 44), 4, 0xFFFFFFFFL);
            set(n + "entsize-0", s.headerField(elf, 56), 8, 0);
            set(n + "entsize-1", s.headerField(elf, 56), 8, 1);
            set(n + "entsize-huge", s.headerField(elf, 56), 8, HUGE);
            // Another type over the same bytes: a string table read as symbols, code read as relocations ...
            for (int t : new int[] {0, 1, 2, 3, 4, 6, 8, 11, 14, 19}) {
                if (t != s.type()) {
                    set(n + "as-type-" + t, s.headerField(elf, 4), 4, t);
                }
            }
        }
    }

    /** The tables the reader follows: every entry's pointers, sizes and indices sent astray. */
    private void contents() {
        dynamic();
        symbols(".dynsym");
        symbols(".symtab");
        for (RawElf.Sh s : elf.sections) {
            if (s.type() == 4) {
                relocations(s);
            }
        }
        ehFrame();
        exceptionTable();
        relr();
        pointers(".init_array");
        pointers(".fini_array");
        RawElf.Sh interp = elf.section(".interp");
        if (interp != null) {
            byte[] c = good.clone();
            Arrays.fill(c, (int) interp.offset(), (int) (interp.offset() + interp.size()), (byte) 'A');
            add("interp-not-terminated", c);
        }
        RawElf.Sh text = elf.section(".text");
        if (text != null) {
            byte[] c = good.clone();
            Arrays.fill(c, (int) text.offset(), (int) (text.offset() + text.size()), (byte) 0xFF);
            add("text-all-ff", c);
            c = good.clone();
            Arrays.fill(c, (int) text.offset(), (int) (text.offset() + text.size()), (byte) 0xE8);
            add("text-all-call", c);
            c = good.clone();
            Arrays.fill(c, (int) text.offset(), (int) (text.offset() + text.size()), (byte) 0);
            add("text-all-zero", c);
        }
    }

    private void dynamic() {
        RawElf.Sh d = elf.section(".dynamic");
        if (d == null) {
            return;
        }
        ByteBuffer b = ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN);
        for (long o = d.offset(); o + 16 <= d.offset() + d.size(); o += 16) {
            long tag = b.getLong((int) o);
            if (tag == 0) {
                set("dynamic-no-terminator", o, 8, 1);
                break;
            }
            String n = "dynamic-tag-" + tag + "-at-" + (o - d.offset()) / 16 + "-";
            set(n + "value-huge", o + 8, 8, HUGE);
            set(n + "value-minus-1", o + 8, 8, -1);
            set(n + "value-0", o + 8, 8, 0);
        }
        // Every .dynamic slot as DT_NEEDED with a string offset far outside .dynstr.
        set("dynamic-needed-past-dynstr", d.offset(), 8, 1);
    }

    private void symbols(String name) {
        RawElf.Sh s = elf.section(name);
        if (s == null) {
            return;
        }
        int count = (int) (s.size() / 24);
        // The first few, the middle and the last symbol: enough to reach every field the reader checks.
        int[] picks = {1, 2, count / 2, count - 1};
        for (int i : picks) {
            if (i <= 0 || i >= count) {
                continue;
            }
            long o = s.offset() + 24L * i;
            String n = name.substring(1) + "-" + i + "-";
            set(n + "name-huge", o, 4, 0x7FFFFFF0L);
            set(n + "info-func", o + 4, 1, 0x12);
            set(n + "shndx-huge", o + 6, 2, 0xFFF0);
            set(n + "value-unmapped", o + 8, 8, 0x7000_0000_0000L);
            set(n + "value-minus-1", o + 8, 8, -1);
            set(n + "size-huge", o + 16, 8, HUGE);
            set(n + "size-minus-1", o + 16, 8, -1);
        }
    }

    private void relocations(RawElf.Sh s) {
        int count = (int) (s.size() / 24);
        for (int i : new int[] {0, count / 2, count - 1}) {
            if (i < 0 || i >= count) {
                continue;
            }
            long o = s.offset() + 24L * i;
            String n = s.name().substring(1) + "-" + i + "-";
            set(n + "offset-unmapped", o, 8, 0x7000_0000_0000L);
            set(n + "offset-minus-1", o, 8, -1);
            set(n + "symbol-huge", o + 12, 4, 0x00FFFFFFL);
            set(n + "type-unknown", o + 8, 4, 0xFF);
            set(n + "type-64", o + 8, 4, 1);
            set(n + "type-irelative", o + 8, 4, 37);
            set(n + "addend-minus-1", o + 16, 8, -1);
            set(n + "addend-huge", o + 16, 8, HUGE);
        }
    }

    private void ehFrame() {
        RawElf.Sh hdr = elf.section(".eh_frame_hdr");
        if (hdr != null) {
            long o = hdr.offset();
            set("eh-frame-hdr-version-9", o, 1, 9);
            set("eh-frame-hdr-ptr-enc-ff", o + 1, 1, 0xFF);
            set("eh-frame-hdr-count-enc-0", o + 2, 1, 0);
            set("eh-frame-hdr-table-enc-ff", o + 3, 1, 0xFF);
            set("eh-frame-hdr-frame-ptr-far", o + 4, 4, 0x7FFF0000L);
            set("eh-frame-hdr-count-huge", o + 8, 4, 0x7FFFFFFFL);
            set("eh-frame-hdr-first-fde-far", o + 16, 4, 0x7FFF0000L);
        }
        RawElf.Sh eh = elf.section(".eh_frame");
        if (eh == null) {
            return;
        }
        ByteBuffer b = ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN);
        int record = 0;
        for (long o = eh.offset(); o + 8 <= eh.offset() + eh.size() && record < 6; record++) {
            long length = b.getInt((int) o) & 0xFFFFFFFFL;
            if (length == 0) {
                break;
            }
            boolean cie = b.getInt((int) o + 4) == 0;
            String n = "eh-frame-" + record + (cie ? "-cie-" : "-fde-");
            set(n + "length-huge", o, 4, 0x7FFFFFF0L);
            set(n + "length-64bit", o, 4, 0xFFFFFFFFL);
            set(n + "length-3", o, 4, 3);
            set(n + "length-0", o, 4, 0);
            if (cie) {
                set(n + "version-7", o + 8, 1, 7);
                set(n + "augmentation-garbage", o + 9, 4, 0x5A5A5A5AL);
                set(n + "augmentation-unterminated", o + 9, 8, 0x7A7A7A7A7A7A7A7AL);
            } else {
                set(n + "cie-pointer-far", o + 4, 4, 0x7FFFFFF0L);
                set(n + "cie-pointer-to-self", o + 4, 4, 4);
                set(n + "pc-begin-far", o + 8, 4, 0x7FFFFFF0L);
                set(n + "pc-range-huge", o + 12, 4, 0x7FFFFFF0L);
                set(n + "pc-range-negative", o + 12, 4, 0x80000000L);
            }
            o += 4 + length;
        }
    }

    /** LSDAs: header encodings, the call-site table's encoding and length, landing pads. */
    private void exceptionTable() {
        RawElf.Sh s = elf.section(".gcc_except_table");
        if (s == null) {
            return;
        }
        for (int i = 0; i < Math.min(16, s.size()); i++) {
            set("except-table-byte-" + i + "-ff", s.offset() + i, 1, 0xFF);
            set("except-table-byte-" + i + "-7f", s.offset() + i, 1, 0x7F);
            set("except-table-byte-" + i + "-0c", s.offset() + i, 1, 0x0C);
        }
        byte[] c = good.clone();
        Arrays.fill(c, (int) s.offset(), (int) (s.offset() + s.size()), (byte) 0x80);
        add("except-table-endless-uleb128", c);
    }

    /** Packed relative relocations: addresses outside the image, bitmaps reaching past it. */
    private void relr() {
        for (RawElf.Sh s : elf.sections) {
            if (s.type() != 19) {
                continue;
            }
            set("relr-first-unmapped", s.offset(), 8, 0x7000_0000_0000L);
            set("relr-first-odd-first", s.offset(), 8, -1);
            set("relr-first-at-end", s.offset(), 8, (good.length & ~7L) + 0x100000L);
            for (long o = s.offset() + 8; o + 8 <= s.offset() + s.size(); o += 8) {
                set("relr-" + (o - s.offset()) / 8 + "-bitmap-all", o, 8, -1);
                set("relr-" + (o - s.offset()) / 8 + "-address-unmapped", o, 8, 0x7000_0000_0000L);
            }
        }
    }

    private void pointers(String name) {
        RawElf.Sh s = elf.section(name);
        if (s == null) {
            return;
        }
        for (long o = s.offset(); o + 8 <= s.offset() + s.size(); o += 8) {
            set(name.substring(1) + "-" + (o - s.offset()) / 8 + "-unmapped", o, 8, 0x7000_0000_0000L);
            set(name.substring(1) + "-" + (o - s.offset()) / 8 + "-in-data", o, 8, sectionAddress(".data", 0));
        }
    }
}
