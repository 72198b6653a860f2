package org.ykrw.core.elf;

import java.util.ArrayList;
import java.util.List;
import org.ykrw.core.diag.MalformedElfException;
import org.ykrw.core.diag.UnsupportedInputException;

/** Reads and checks the ELF header, program headers and section headers; each check has its own message. */
final class HeaderReader {
    private HeaderReader() {
    }

    private static final int MAX_TABLE_ENTRIES = 65535;

    static ElfHeader readHeader(ByteReader in) {
        if (in.length() < 4 || in.u8(0) != 0x7F || in.u8(1) != 'E' || in.u8(2) != 'L' || in.u8(3) != 'F') {
            throw new MalformedElfException("not an ELF file (bad magic)");
        }
        if (in.length() < 6) {
            throw new MalformedElfException("truncated ELF identification (" + in.length() + " bytes)");
        }
        int cls = in.u8(4);
        if (cls == 1) {
            throw new UnsupportedInputException("32-bit ELF is not supported (x86-64 only)");
        }
        if (cls != 2) {
            throw new MalformedElfException("EI_CLASS " + cls + " is neither 32- nor 64-bit");
        }
        int encoding = in.u8(5);
        if (encoding == 2) {
            throw new UnsupportedInputException("big-endian ELF is not supported (x86-64 only)");
        }
        if (encoding != 1) {
            throw new MalformedElfException("EI_DATA " + encoding + " is not a valid data encoding");
        }
        // The kernel ignores the two version fields but ld.so refuses objects whose versions are not
        // EV_CURRENT (1); a file no loader accepts is not worth rewriting.
        if (in.length() > 6 && in.u8(6) != 1) {
            throw new MalformedElfException("EI_VERSION " + in.u8(6) + " is not EV_CURRENT (1)");
        }
        if (in.length() < ElfHeader.SIZE) {
            throw new MalformedElfException("file of " + in.length() + " bytes is shorter than the 64-byte ELF header");
        }
        int type = in.u16(16);
        int machine = in.u16(18);
        if (machine != ElfHeader.EM_X86_64) {
            throw new UnsupportedInputException("machine " + machineName(machine) + " (" + machine + ") is not x86-64");
        }
        if (type == ElfHeader.ET_REL) {
            throw new UnsupportedInputException("relocatable object files are not supported, link them first");
        }
        if (type == ElfHeader.ET_CORE) {
            throw new UnsupportedInputException("core dumps are not supported");
        }
        if (type != ElfHeader.ET_EXEC && type != ElfHeader.ET_DYN) {
            throw new MalformedElfException("e_type " + type + " is not an executable or shared object");
        }
        long version = in.u32(20);
        if (version != 1) {
            throw new MalformedElfException("e_version " + version + " is not EV_CURRENT (1)");
        }
        ElfHeader h = new ElfHeader(type, machine, in.u64(24), in.u64(32), in.u64(40), in.u16(54), in.u16(56),
                in.u16(58), in.u16(60), in.u16(62), in.i32(48));
        if (h.phnum() == 0) {
            throw new MalformedElfException("no program headers (e_phnum 0): nothing is loaded");
        }
        if (h.phentsize() != ElfHeader.PHENT_SIZE) {
            throw new MalformedElfException("e_phentsize " + h.phentsize() + " is not " + ElfHeader.PHENT_SIZE);
        }
        checkTable(in, h.phoff(), h.phnum(), ElfHeader.PHENT_SIZE, "e_phoff");
        if (h.shnum() > 0 || h.shoff() != 0) {
            if (h.shentsize() != ElfHeader.SHENT_SIZE) {
                throw new MalformedElfException("e_shentsize " + h.shentsize() + " is not " + ElfHeader.SHENT_SIZE);
            }
            checkTable(in, h.shoff(), h.shnum(), ElfHeader.SHENT_SIZE, "e_shoff");
            if (h.shnum() > 0 && h.shstrndx() >= h.shnum()) {
                throw new MalformedElfException("e_shstrndx " + h.shstrndx() + " is out of range (e_shnum " + h.shnum() + ")");
            }
        }
        return h;
    }

    private static void checkTable(ByteReader in, long offset, int count, int entsize, String field) {
        if (count > MAX_TABLE_ENTRIES) {
            throw new MalformedElfException(field + " table has an absurd " + count + " entries");
        }
        long size = (long) count * entsize;
        if (offset < 0 || offset > in.length() || size > in.length() - offset) {
            throw new MalformedElfException(String.format("%s 0x%x + %d*%d runs past end of file (size %d)",
                    field, offset, count, entsize, in.length()));
        }
    }

    static List<Segment> readSegments(ByteReader in, ElfHeader h) {
        List<Segment> out = new ArrayList<>();
        for (int i = 0; i < h.phnum(); i++) {
            long o = h.phoff() + (long) i * ElfHeader.PHENT_SIZE;
            Segment s = new Segment(i, in.i32(o), in.i32(o + 4), in.u64(o + 8), in.u64(o + 16), in.u64(o + 24),
                    in.u64(o + 32), in.u64(o + 40), in.u64(o + 48));
            if (s.isLoad() || s.type() == Segment.PT_DYNAMIC || s.type() == Segment.PT_INTERP
                    || s.type() == Segment.PT_GNU_EH_FRAME) {
                if (s.offset() < 0 || s.filesz() < 0 || s.offset() > in.length() || s.filesz() > in.length() - s.offset()) {
                    throw new MalformedElfException(String.format("program header %d: p_offset 0x%x + p_filesz 0x%x runs"
                            + " past end of file (size %d)", i, s.offset(), s.filesz(), in.length()));
                }
            }
            if (s.isLoad()) {
                if (s.filesz() > s.memsz()) {
                    throw new MalformedElfException(String.format("program header %d: p_filesz 0x%x exceeds p_memsz 0x%x",
                            i, s.filesz(), s.memsz()));
                }
                if (s.vaddr() < 0 || s.memsz() < 0 || s.vaddr() + s.memsz() < s.vaddr()) {
                    throw new MalformedElfException(String.format("program header %d: p_vaddr 0x%x + p_memsz 0x%x overflows",
                            i, s.vaddr(), s.memsz()));
                }
            }
            out.add(s);
        }
        List<Segment> loads = out.stream().filter(Segment::isLoad).sorted((a, b) -> Long.compareUnsigned(a.vaddr(), b.vaddr())).toList();
        if (loads.isEmpty()) {
            throw new MalformedElfException("no PT_LOAD segment: nothing is loaded");
        }
        for (int i = 1; i < loads.size(); i++) {
            Segment a = loads.get(i - 1);
            Segment b = loads.get(i);
            if (a.vaddr() + a.memsz() > b.vaddr()) {
                throw new MalformedElfException(String.format("PT_LOAD segments %d and %d overlap in memory at 0x%x",
                        a.index(), b.index(), b.vaddr()));
            }
        }
        return List.copyOf(out);
    }

    static List<Section> readSections(ByteReader in, ElfHeader h) {
        if (h.shnum() == 0) {
            return List.of();
        }
        long[][] raw = new long[h.shnum()][];
        for (int i = 0; i < h.shnum(); i++) {
            long o = h.shoff() + (long) i * ElfHeader.SHENT_SIZE;
            raw[i] = new long[] {in.u32(o), in.u32(o + 4), in.u64(o + 8), in.u64(o + 16), in.u64(o + 24),
                in.u64(o + 32), in.u32(o + 40), in.u32(o + 44), in.u64(o + 48), in.u64(o + 56)};
            boolean nobits = raw[i][1] == Section.SHT_NOBITS || raw[i][1] == 0;
            if (!nobits && (raw[i][4] < 0 || raw[i][5] < 0 || raw[i][4] > in.length()
                    || raw[i][5] > in.length() - raw[i][4])) {
                throw new MalformedElfException(String.format("section %d: sh_offset 0x%x + sh_size 0x%x runs past end"
                        + " of file (size %d)", i, raw[i][4], raw[i][5], in.length()));
            }
        }
        long[] strtab = raw[h.shstrndx()];
        if (strtab[1] != Section.SHT_STRTAB) {
            throw new MalformedElfException("section name table (e_shstrndx " + h.shstrndx() + ") is not a string table");
        }
        List<Section> out = new ArrayList<>();
        for (int i = 0; i < h.shnum(); i++) {
            long[] r = raw[i];
            String name = i == 0 && r[0] == 0 ? "" : in.cString(strtab[4] + r[0], strtab[4] + strtab[5], "section " + i);
            if (r[6] >= h.shnum() && r[1] != 0) {
                throw new MalformedElfException("section " + name + ": sh_link " + r[6] + " is out of range");
            }
            out.add(new Section(i, name, (int) r[1], r[2], r[3], r[4], r[5], (int) r[6], (int) r[7], r[8], r[9]));
        }
        return List.copyOf(out);
    }

    private static String machineName(int machine) {
        return switch (machine) {
            case 3 -> "i386";
            case 8 -> "MIPS";
            case 20 -> "PowerPC";
            case 21 -> "PowerPC64";
            case 40 -> "ARM";
            case 183 -> "AArch64";
            case 243 -> "RISC-V";
            case 0 -> "none";
            default -> "unknown";
        };
    }
}
