package org.ykrw.core.emit;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.ykrw.core.diag.UnsupportedInputException;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.ElfHeader;
import org.ykrw.core.elf.Section;
import org.ykrw.core.elf.Segment;

/**
 * Builds an output ELF from an input: the input's bytes stay where they are (patched in place where
 * asked), new loadable segments go after the highest address and the end of the file, and the
 * program header table, which must grow, moves into a new read-only segment of its own.
 *
 * <p>Why there: the kernel takes AT_PHDR from the PT_LOAD whose file range holds e_phoff, and glibc
 * (static binaries included, for PT_TLS) reads the table through AT_PHDR, so the table must be
 * loaded; it cannot grow in place without overwriting what follows it (often .interp). PT_PHDR is
 * rewritten to describe the new table; PT_LOAD entries stay in ascending address order.
 */
public final class ElfImageBuilder {
    private static final long PAGE = 0x1000;

    private final ElfFile elf;
    /**
     * Patches to the input's bytes, {file offset, bytes}, applied in order when the output is built
     * (not to a copy of the input made up front: the output is a copy already).
     */
    private final List<Map.Entry<Long, byte[]>> patches = new ArrayList<>();
    private final List<SegmentHandle> segments = new ArrayList<>();
    private long nextAddress;
    /** the reservation not yet sized, which the next one must wait for; or null */
    private SegmentHandle open;
    private long entry;
    private final List<long[]> redirects = new ArrayList<>();
    private final List<NewSection> newSections = new ArrayList<>();
    private final List<String[]> renames = new ArrayList<>();   // {old section index, new name}
    private final List<long[]> sectionRedirects = new ArrayList<>();
    private final Map<Integer, byte[]> replacedUnloaded = new java.util.LinkedHashMap<>();
    private final List<Map.Entry<String, byte[]>> unloaded = new ArrayList<>();

    /**
     * A segment reserved in the output: its address is fixed when it is reserved, its extent in memory
     * once it is sized, its bytes once it is filled. Reserving segments in order and filling them later
     * lets a writer that needs addresses of later segments (the new code calls into the runtime) or of
     * itself (the dynamic tables, the unwind tables) ask the builder instead of predicting them.
     *
     * <p>While one reservation is not yet sized, no further one can be made: the next address is
     * not known until then.
     */
    public final class SegmentHandle {
        private final String sectionName;
        private final int flags;
        private final long address;
        private final long sectionFlags;
        /** index of its section header in {@code newSections}, or -1 when it has none */
        private final int sectionSlot;
        private long memSize = -1;
        private byte[] contents;

        private SegmentHandle(String sectionName, int flags, long address, int sectionSlot) {
            this.sectionName = sectionName;
            this.flags = flags;
            this.address = address;
            this.sectionSlot = sectionSlot;
            this.sectionFlags = Section.SHF_ALLOC | ((flags & Segment.PF_W) != 0 ? Section.SHF_WRITE : 0)
                    | ((flags & Segment.PF_X) != 0 ? Section.SHF_EXECINSTR : 0);
        }

        /** @return its virtual address, known from the moment it was reserved */
        public long address() {
            return address;
        }

        /** @return true once its extent in memory is fixed */
        public boolean isSized() {
            return memSize >= 0;
        }

        /** @return true once its bytes are given */
        public boolean isFilled() {
            return contents != null;
        }

        /**
         * Fixes its size in memory, which places the segments reserved after it.
         *
         * @param size its size in memory
         * @return this
         */
        public SegmentHandle size(long size) {
            if (isSized()) {
                throw new IllegalStateException("segment at 0x" + Long.toHexString(address) + " is sized already");
            }
            if (size < 0) {
                throw new IllegalArgumentException("negative segment size");
            }
            memSize = size;
            nextAddress = alignUp(address + Math.max(size, 1), PAGE);
            open = null;
            return this;
        }

        /**
         * Gives its bytes, kept rather than copied (the caller must not change them afterwards). An
         * unsized segment takes their length as its size.
         *
         * @param bytes its initialised bytes (at most its size; the rest of it is zero-filled)
         * @return this
         */
        public SegmentHandle fill(byte[] bytes) {
            if (isFilled()) {
                throw new IllegalStateException("segment at 0x" + Long.toHexString(address) + " is filled already");
            }
            if (!isSized()) {
                size(bytes.length);
            }
            if (memSize < bytes.length) {
                throw new IllegalArgumentException("memSize smaller than contents");
            }
            contents = bytes;
            if (sectionSlot >= 0) {
                newSections.set(sectionSlot, new NewSection(sectionName, memSize > bytes.length && bytes.length == 0
                        ? Section.SHT_NOBITS : Section.SHT_PROGBITS, sectionFlags, address,
                        bytes.length == 0 ? memSize : bytes.length));
            }
            return this;
        }

        /**
         * Withdraws the reservation (its writer found nothing to write); only the last one reserved, and
         * only before it is filled.
         */
        public void release() {
            if (isFilled() || segments.get(segments.size() - 1) != this
                    || sectionSlot >= 0 && sectionSlot != newSections.size() - 1) {
                throw new IllegalStateException("only the last reservation can be released, before it is filled");
            }
            segments.remove(segments.size() - 1);
            if (sectionSlot >= 0) {
                newSections.remove(sectionSlot);
            }
            nextAddress = address;
            open = null;
        }
    }

    /** A section header to add, describing a range of an added segment. */
    private record NewSection(String name, int type, long flags, long address, long size) {
    }

    /** @param elf the input; it is never modified */
    public ElfImageBuilder(ElfFile elf) {
        if (elf.header().phoff() == 0) {
            throw new UnsupportedInputException(elf.name() + ": no program header table");
        }
        this.elf = elf;
        long end = 0;
        for (Segment s : elf.segments()) {
            if (s.isLoad()) {
                end = Math.max(end, s.vaddr() + s.memsz());
            }
        }
        // One spare page between the input's memory image and ours: its .bss may be followed by the heap.
        this.nextAddress = alignUp(end, PAGE) + PAGE;
        this.entry = elf.entry();
    }

    /**
     * Reserves a loadable segment whose size is not known yet: it gets the next address at once; the
     * next reservation waits until this one is {@linkplain SegmentHandle#size sized} or filled.
     *
     * @param sectionName name of the section header describing it (".ykrw.text"), or null for none (its
     *     parts get headers through {@link #addSection})
     * @param flags PF_R / PF_W / PF_X
     * @return its handle
     */
    public SegmentHandle reserveSegment(String sectionName, int flags) {
        if (open != null) {
            throw new IllegalStateException("the segment at 0x" + Long.toHexString(open.address())
                    + " is not sized yet, so the next address is not known");
        }
        int slot = -1;
        if (sectionName != null) {
            newSections.add(null);   // set when filled; reserved here so headers follow segment order
            slot = newSections.size() - 1;
        }
        SegmentHandle h = new SegmentHandle(sectionName, flags, nextAddress, slot);
        segments.add(h);
        open = h;
        return h;
    }

    /**
     * Reserves a loadable segment of a known size, to be filled later.
     *
     * @param sectionName as for {@link #reserveSegment(String, int)}
     * @param flags PF_R / PF_W / PF_X
     * @param memSize its size in memory
     * @return its handle
     */
    public SegmentHandle reserveSegment(String sectionName, int flags, long memSize) {
        return reserveSegment(sectionName, flags).size(memSize);
    }

    /**
     * Adds a loadable segment.
     *
     * @param sectionName name of the section header describing it (".ykrw.text"), or null for none (its
     *     parts get headers through {@link #addSection})
     * @param flags PF_R / PF_W / PF_X
     * @param contents its initialised bytes
     * @param memSize its size in memory (at least contents.length; the rest is zero-filled)
     * @return its virtual address
     */
    public long addSegment(String sectionName, int flags, byte[] contents, long memSize) {
        return adoptSegment(sectionName, flags, contents.clone(), memSize);
    }

    /**
     * {@link #addSegment}, keeping {@code contents} itself rather than a copy (for large segments made
     * only for the image, such as the new code): the caller must not change it afterwards.
     *
     * @return its virtual address
     */
    public long adoptSegment(String sectionName, int flags, byte[] contents, long memSize) {
        if (memSize < contents.length) {
            throw new IllegalArgumentException("memSize smaller than contents");
        }
        return reserveSegment(sectionName, flags, memSize).fill(contents).address();
    }

    /**
     * Adds a section header for a range of an added segment (several sections sharing one segment, as
     * .eh_frame, .eh_frame_hdr and .gcc_except_table do), with the segment's flags.
     *
     * @return the index the section will have in the output's section header table
     */
    public int addSection(String name, long vaddr, long size) {
        for (SegmentHandle s : segments) {
            if (s.isFilled() && vaddr >= s.address && vaddr + size <= s.address + s.contents.length) {
                newSections.add(new NewSection(name, Section.SHT_PROGBITS, s.sectionFlags, vaddr, size));
                return elf.header().shnum() + newSections.size() - 1;
            }
        }
        throw new IllegalArgumentException(String.format("0x%x+%d is in no added segment", vaddr, size));
    }

    /** @return the output index of the added section named {@code name}, or -1 */
    public int sectionIndex(String name) {
        for (int i = 0; i < newSections.size(); i++) {
            if (newSections.get(i).name().equals(name)) {
                return elf.header().shnum() + i;
            }
        }
        return -1;
    }

    /** Gives an input section header another name (the bytes stay). */
    public void renameSection(int index, String newName) {
        renames.add(new String[] {Integer.toString(index), newName});
    }

    /** Overwrites bytes of the input file that no segment loads (e.g. .symtab entries). */
    public void patchFile(long fileOffset, byte[] bytes) {
        if (fileOffset < 0 || fileOffset + bytes.length > elf.data().length) {
            throw new IllegalArgumentException(String.format("file offset 0x%x+%d is outside the file", fileOffset,
                    bytes.length));
        }
        patches.add(Map.entry(fileOffset, bytes.clone()));
    }

    /**
     * @return the input's file-backed bytes at a virtual address as patched so far (a copy of
     *     relocations made after retargeting must carry the new addends)
     */
    public byte[] patchedBytesAt(long vaddr, int length) {
        long off = elf.fileOffset(vaddr);
        if (off < 0 || elf.fileOffset(vaddr + length - 1) != off + length - 1) {
            throw new IllegalArgumentException(String.format("0x%x+%d is not file-backed", vaddr, length));
        }
        byte[] out = java.util.Arrays.copyOfRange(elf.data(), (int) off, (int) off + length);
        applyPatches(out, off);
        return out;
    }

    /** Writes the patches, in the order they were made, into {@code dst}, which holds the file from {@code at}. */
    private void applyPatches(byte[] dst, long at) {
        for (Map.Entry<Long, byte[]> p : patches) {
            long from = Math.max(p.getKey(), at);
            long to = Math.min(p.getKey() + p.getValue().length, at + dst.length);
            if (from < to) {
                System.arraycopy(p.getValue(), (int) (from - p.getKey()), dst, (int) (from - at), (int) (to - from));
            }
        }
    }

    /** Overwrites file-backed bytes of the input's image at a virtual address. */
    public void patch(long vaddr, byte[] bytes) {
        long off = elf.fileOffset(vaddr);
        if (off < 0 || elf.fileOffset(vaddr + bytes.length - 1) != off + bytes.length - 1) {
            throw new IllegalArgumentException(String.format("0x%x+%d is not file-backed", vaddr, bytes.length));
        }
        patches.add(Map.entry(off, bytes.clone()));
    }

    /**
     * Makes the program header of {@code type} describe a range inside an added segment, e.g.
     * PT_GNU_EH_FRAME pointing at a new .eh_frame_hdr. When the input has none (static links have no
     * PT_GNU_EH_FRAME), one is added at the end of the table.
     */
    public void redirectSegment(int type, long vaddr, long size) {
        redirects.add(new long[] {type, vaddr, size, size, 0});
    }

    /**
     * Makes PT_TLS describe a new template inside an added segment (added to the table when the input
     * has none): its initialised bytes, then zeros up to {@code memSize}.
     *
     * @param vaddr the template's address, a multiple of {@code align}
     * @param fileSize its initialised bytes
     * @param memSize its whole size
     * @param align its alignment
     */
    public void redirectThreadLocalTemplate(long vaddr, long fileSize, long memSize, long align) {
        if (vaddr % align != 0 || fileSize > memSize) {
            throw new IllegalArgumentException(String.format("TLS template 0x%x %d/%d aligned %d", vaddr, fileSize,
                    memSize, align));
        }
        redirects.add(new long[] {Segment.PT_TLS, vaddr, fileSize, memSize, align});
    }

    /**
     * Makes an input section header describe a range inside an added segment (a table copied and
     * extended there, e.g. .dynsym), keeping its name, type and links.
     *
     * @param index the section's index
     * @param vaddr where the copy is
     * @param size the copy's size
     */
    public void redirectSection(int index, long vaddr, long size) {
        sectionRedirects.add(new long[] {index, vaddr, size});
    }

    /**
     * Gives an input section that is not loaded (.symtab, .strtab) new contents, written after the
     * input's bytes; its header keeps its name, type and links.
     *
     * @param index the section's index
     * @param contents the new contents
     */
    public void replaceUnloadedSection(int index, byte[] contents) {
        replacedUnloaded.put(index, contents.clone());
    }

    /**
     * @param vaddr an address inside a segment added so far
     * @return the index of the section header that will describe that segment (1 when the file has no
     *     section headers: symbols then only need an index that is neither SHN_UNDEF nor SHN_ABS)
     */
    public int sectionIndexOf(long vaddr) {
        for (int i = 0; i < segments.size(); i++) {
            SegmentHandle s = segments.get(i);
            if (s.isSized() && vaddr >= s.address && vaddr < s.address + Math.max(s.memSize, 1)) {
                return elf.header().shnum() > 0 ? elf.header().shnum() + i : 1;
            }
        }
        throw new IllegalArgumentException(String.format("0x%x is in no added segment", vaddr));
    }

    /**
     * Adds a section that is not loaded (SHT_PROGBITS, no SHF_ALLOC), e.g. a block map for tools.
     *
     * @param name the section's name
     * @param contents its bytes
     */
    public void addUnloadedSection(String name, byte[] contents) {
        unloaded.add(Map.entry(name, contents.clone()));
    }

    /** @param newEntry the output's entry point */
    public void setEntry(long newEntry) {
        this.entry = newEntry;
    }

    /**
     * Lays out the output. The steps:
     * 1. after the input's bytes, one page-aligned file block per new segment (file offset and address
     *    agree modulo the page size), then the new program header table in its own R segment;
     * 2. the section-name table and section header table, grown by one section per new segment, at the
     *    very end;
     * 3. the ELF header: e_entry, e_phoff/e_phnum, e_shoff/e_shnum.
     *
     * @return the output file
     */
    public byte[] build() {
        for (SegmentHandle s : segments) {
            if (!s.isFilled()) {
                throw new IllegalStateException("segment at 0x" + Long.toHexString(s.address) + " reserved but never filled");
            }
        }
        ElfHeader h = elf.header();
        List<Segment> old = elf.segments();
        long phdrAddress = nextAddress;
        int added = 0;
        for (long[] r : redirects) {
            if (old.stream().noneMatch(s -> s.type() == r[0])) {
                added++;
            }
        }
        int phnum = old.size() + segments.size() + 1 + added;
        long phdrSize = (long) phnum * ElfHeader.PHENT_SIZE;

        List<byte[]> blocks = new ArrayList<>();
        List<long[]> placed = new ArrayList<>();   // {offset, vaddr, filesz, memsz, flags}
        long offset = alignUp(elf.data().length, PAGE);
        for (SegmentHandle s : segments) {
            placed.add(new long[] {offset, s.address, s.contents.length, s.memSize, s.flags});
            blocks.add(s.contents);
            offset = alignUp(offset + s.contents.length, PAGE);
        }
        long phdrOffset = offset;
        offset += phdrSize;
        List<Long> unloadedOffsets = new ArrayList<>();
        for (Map.Entry<String, byte[]> u : unloaded) {
            offset = alignUp(offset, 8);
            unloadedOffsets.add(offset);
            offset += u.getValue().length;
        }
        Map<Integer, Long> replacedOffsets = new java.util.HashMap<>();
        for (Map.Entry<Integer, byte[]> u : replacedUnloaded.entrySet()) {
            offset = alignUp(offset, 8);
            replacedOffsets.put(u.getKey(), offset);
            offset += u.getValue().length;
        }

        // 2. section headers
        boolean withSections = h.shnum() > 0;
        byte[] names = new byte[0];
        byte[] extraBytes = names;
        long namesOffset = offset;
        long shoff = 0;
        int shnum = 0;
        Section oldNames = withSections ? elf.sections().get(h.shstrndx()) : null;
        if (withSections) {
            StringBuilder extra = new StringBuilder();
            for (NewSection s : newSections) {
                extra.append(s.name()).append('\0');
            }
            extra.append(".ykrw.phdr").append('\0');
            for (String[] r : renames) {
                extra.append(r[1]).append('\0');
            }
            for (Map.Entry<String, byte[]> u : unloaded) {
                extra.append(u.getKey()).append('\0');
            }
            extraBytes = extra.toString().getBytes(StandardCharsets.US_ASCII);
            int oldNamesLength = (int) (oldNames.offset() + oldNames.size()) - (int) oldNames.offset();
            shoff = alignUp(namesOffset + oldNamesLength + extraBytes.length, 8);
            shnum = h.shnum() + newSections.size() + 1 + unloaded.size();
            offset = shoff + (long) shnum * ElfHeader.SHENT_SIZE;
        }

        // the input, patched (nothing else is written below its end, so it is read back from here)
        byte[] result = Arrays.copyOf(elf.data(), (int) offset);
        applyPatches(result, 0);
        if (withSections) {
            byte[] oldNameBytes = Arrays.copyOfRange(result, (int) oldNames.offset(), (int) (oldNames.offset() + oldNames.size()));
            names = Arrays.copyOf(oldNameBytes, oldNameBytes.length + extraBytes.length);
            System.arraycopy(extraBytes, 0, names, oldNameBytes.length, extraBytes.length);
        }
        for (int i = 0; i < blocks.size(); i++) {
            System.arraycopy(blocks.get(i), 0, result, (int) placed.get(i)[0], blocks.get(i).length);
        }
        for (int i = 0; i < unloaded.size(); i++) {
            byte[] u = unloaded.get(i).getValue();
            System.arraycopy(u, 0, result, unloadedOffsets.get(i).intValue(), u.length);
        }
        for (Map.Entry<Integer, byte[]> u : replacedUnloaded.entrySet()) {
            System.arraycopy(u.getValue(), 0, result, replacedOffsets.get(u.getKey()).intValue(), u.getValue().length);
        }
        ByteBuffer b = ByteBuffer.wrap(result).order(ByteOrder.LITTLE_ENDIAN);

        // 1. the program header table: PT_PHDR first, new PT_LOADs right after the last old one.
        List<long[]> phdrs = new ArrayList<>();
        int lastLoad = -1;
        for (int i = 0; i < old.size(); i++) {
            if (old.get(i).isLoad()) {
                lastLoad = i;
            }
        }
        for (int i = 0; i < old.size(); i++) {
            Segment s = old.get(i);
            if (s.type() == Segment.PT_PHDR) {
                phdrs.add(new long[] {Segment.PT_PHDR, Segment.PF_R, phdrOffset, phdrAddress, phdrAddress, phdrSize,
                    phdrSize, 8});
            } else {
                long[] entryValues = {s.type(), s.flags(), s.offset(), s.vaddr(), s.paddr(), s.filesz(), s.memsz(),
                    s.align()};
                for (long[] r : redirects) {
                    if (r[0] == s.type()) {
                        long fileOffset = fileOffsetOfNew(placed, r[1]);
                        entryValues = new long[] {s.type(), s.flags(), fileOffset, r[1], r[1], r[2], r[3],
                            r[4] > 0 ? r[4] : s.align()};
                    }
                }
                phdrs.add(entryValues);
            }
            if (i == lastLoad) {
                for (long[] p : placed) {
                    phdrs.add(new long[] {Segment.PT_LOAD, p[4], p[0], p[1], p[1], p[2], p[3], PAGE});
                }
                phdrs.add(new long[] {Segment.PT_LOAD, Segment.PF_R, phdrOffset, phdrAddress, phdrAddress, phdrSize,
                    phdrSize, PAGE});
            }
        }
        for (long[] r : redirects) {
            if (old.stream().noneMatch(s -> s.type() == r[0])) {
                phdrs.add(new long[] {r[0], Segment.PF_R, fileOffsetOfNew(placed, r[1]), r[1], r[1], r[2], r[3],
                    r[4] > 0 ? r[4] : 4});
            }
        }
        for (int i = 0; i < phdrs.size(); i++) {
            long[] p = phdrs.get(i);
            int at = (int) phdrOffset + i * ElfHeader.PHENT_SIZE;
            b.putInt(at, (int) p[0]).putInt(at + 4, (int) p[1]).putLong(at + 8, p[2]).putLong(at + 16, p[3])
                    .putLong(at + 24, p[4]).putLong(at + 32, p[5]).putLong(at + 40, p[6]).putLong(at + 48, p[7]);
        }

        if (withSections) {
            System.arraycopy(names, 0, result, (int) namesOffset, names.length);
            System.arraycopy(result, (int) h.shoff(), result, (int) shoff, h.shnum() * ElfHeader.SHENT_SIZE);
            for (Map.Entry<Integer, byte[]> u : replacedUnloaded.entrySet()) {
                int at = (int) shoff + u.getKey() * ElfHeader.SHENT_SIZE;
                b.putLong(at + 24, replacedOffsets.get(u.getKey())).putLong(at + 32, u.getValue().length);
            }
            for (long[] r : sectionRedirects) {
                int at = (int) shoff + (int) r[0] * ElfHeader.SHENT_SIZE;
                b.putLong(at + 16, r[1]).putLong(at + 24, fileOffsetOfNew(placed, r[1])).putLong(at + 32, r[2]);
            }
            int namesHeader = (int) shoff + h.shstrndx() * ElfHeader.SHENT_SIZE;
            b.putLong(namesHeader + 24, namesOffset).putLong(namesHeader + 32, names.length);
            int nameOffset = (int) elf.sections().get(h.shstrndx()).size();
            int k = h.shnum();
            for (NewSection s : newSections) {
                nameOffset = sectionHeader(b, (int) shoff + k * ElfHeader.SHENT_SIZE, nameOffset, s.name(), s.type(),
                        s.flags(), s.address(), fileOffsetOfSegmentStart(placed, s.address()), s.size());
                k++;
            }
            nameOffset = sectionHeader(b, (int) shoff + k * ElfHeader.SHENT_SIZE, nameOffset, ".ykrw.phdr",
                    Section.SHT_PROGBITS, Section.SHF_ALLOC, phdrAddress, phdrOffset, phdrSize);
            for (String[] r : renames) {
                b.putInt((int) shoff + Integer.parseInt(r[0]) * ElfHeader.SHENT_SIZE, nameOffset);
                nameOffset += r[1].length() + 1;
            }
            for (int i = 0; i < unloaded.size(); i++) {
                k++;
                Map.Entry<String, byte[]> u = unloaded.get(i);
                nameOffset = sectionHeader(b, (int) shoff + k * ElfHeader.SHENT_SIZE, nameOffset, u.getKey(),
                        Section.SHT_PROGBITS, 0, 0, unloadedOffsets.get(i), u.getValue().length);
            }
        }

        // 3. the ELF header
        b.putLong(24, entry);
        b.putLong(32, phdrOffset);
        b.putShort(56, (short) phdrs.size());
        b.putLong(40, shoff);
        b.putShort(60, (short) shnum);
        if (!withSections) {
            b.putShort(62, (short) 0);
        }
        return result;
    }

    /** @return the file offset of {@code vaddr} in an added segment, which may lie in its zero-filled part */
    private static long fileOffsetOfSegmentStart(List<long[]> placed, long vaddr) {
        for (long[] p : placed) {
            if (vaddr >= p[1] && vaddr < p[1] + Math.max(p[3], 1)) {
                return p[0] + Math.min(vaddr - p[1], p[2]);
            }
        }
        throw new IllegalArgumentException(String.format("0x%x is in no added segment", vaddr));
    }

    private static long fileOffsetOfNew(List<long[]> placed, long vaddr) {
        for (long[] p : placed) {
            if (vaddr >= p[1] && vaddr < p[1] + p[2]) {
                return p[0] + (vaddr - p[1]);
            }
        }
        throw new IllegalArgumentException(String.format("0x%x is in no added segment", vaddr));
    }

    private static int sectionHeader(ByteBuffer b, int at, int nameOffset, String name, int type, long flags,
            long address, long offset, long size) {
        b.putInt(at, nameOffset).putInt(at + 4, type).putLong(at + 8, flags).putLong(at + 16, address)
                .putLong(at + 24, offset).putLong(at + 32, size).putInt(at + 40, 0).putInt(at + 44, 0)
                .putLong(at + 48, 16).putLong(at + 56, 0);
        return nameOffset + name.length() + 1;
    }

    private static long alignUp(long v, long a) {
        return (v + a - 1) & -a;
    }
}
