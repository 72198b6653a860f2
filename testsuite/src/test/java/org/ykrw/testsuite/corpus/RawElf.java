package org.ykrw.testsuite.corpus;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The layout of a valid ELF64 file read with plain ByteBuffer code, independent of ykrw's reader, so
 * the corpus generator knows where the headers, tables and sections it damages are.
 */
final class RawElf {
    /** A section header: index, name, type and where it lives. */
    record Sh(int index, String name, int type, long address, long offset, long size, int link, long entsize) {
        /** @return file offset of this header's field at {@code field} bytes into the header */
        long headerField(RawElf elf, int field) {
            return elf.shoff + 64L * index + field;
        }
    }

    /** A program header: index, type and where it lives. */
    record Ph(int index, int type, long offset, long vaddr, long filesz, long memsz) {
        long headerField(RawElf elf, int field) {
            return elf.phoff + 56L * index + field;
        }
    }

    final long phoff;
    final long shoff;
    final int phnum;
    final int shnum;
    final int shstrndx;
    final List<Sh> sections = new ArrayList<>();
    final List<Ph> segments = new ArrayList<>();

    RawElf(byte[] b) {
        ByteBuffer h = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        phoff = h.getLong(32);
        shoff = h.getLong(40);
        phnum = h.getShort(56) & 0xFFFF;
        shnum = h.getShort(60) & 0xFFFF;
        shstrndx = h.getShort(62) & 0xFFFF;
        for (int i = 0; i < phnum; i++) {
            int o = (int) phoff + 56 * i;
            segments.add(new Ph(i, h.getInt(o), h.getLong(o + 8), h.getLong(o + 16), h.getLong(o + 32), h.getLong(o + 40)));
        }
        long strOff = h.getLong((int) shoff + 64 * shstrndx + 24);
        for (int i = 0; i < shnum; i++) {
            int o = (int) shoff + 64 * i;
            int nameOff = h.getInt(o);
            int end = (int) strOff + nameOff;
            while (b[end] != 0) {
                end++;
            }
            String name = new String(b, (int) strOff + nameOff, end - (int) strOff - nameOff, StandardCharsets.ISO_8859_1);
            sections.add(new Sh(i, name, h.getInt(o + 4), h.getLong(o + 16), h.getLong(o + 24), h.getLong(o + 32),
                    h.getInt(o + 40), h.getLong(o + 56)));
        }
    }

    /** @return the first section of this name, or null */
    Sh section(String name) {
        return sections.stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
    }
}
