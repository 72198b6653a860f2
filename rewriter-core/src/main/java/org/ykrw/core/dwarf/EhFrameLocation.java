package org.ykrw.core.dwarf;

import org.ykrw.core.diag.MalformedElfException;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.Section;
import org.ykrw.core.elf.Segment;

/**
 * Where a file's .eh_frame is: the section of that name (type SHT_PROGBITS, or SHT_X86_64_UNWIND as
 * lld writes it), or without section headers the one PT_GNU_EH_FRAME's header points at, up to the
 * end of its segment's file bytes or the start of .eh_frame_hdr when that follows it.
 *
 * @param address its virtual address
 * @param size its size in bytes
 */
public record EhFrameLocation(long address, long size) {
    /** sh_type lld gives .eh_frame on x86-64. */
    public static final int SHT_X86_64_UNWIND = 0x70000001;

    /**
     * @param elf the file
     * @return where its .eh_frame is, or null when it has none that can be found
     */
    public static EhFrameLocation find(ElfFile elf) {
        Section s = elf.section(".eh_frame").orElse(null);
        if (s != null && (s.type() == Section.SHT_PROGBITS || s.type() == SHT_X86_64_UNWIND) && s.size() > 0) {
            return new EhFrameLocation(s.address(), s.size());
        }
        Segment hdr = elf.segmentOfType(Segment.PT_GNU_EH_FRAME);
        if (hdr == null) {
            return null;
        }
        // .eh_frame_hdr: version, eh_frame_ptr encoding (pc-relative sdata4 is all we read), ...
        if (hdr.filesz() < 8 || !elf.isMapped(hdr.vaddr()) || !elf.isMapped(hdr.vaddr() + 7)
                || elf.fileOffset(hdr.vaddr()) < 0 || elf.fileOffset(hdr.vaddr() + 7) < 0) {
            throw new MalformedElfException(String.format("PT_GNU_EH_FRAME at 0x%x is not in the file", hdr.vaddr()));
        }
        if (elf.readU8(hdr.vaddr() + 1) != 0x1B) {
            return null;
        }
        long address = hdr.vaddr() + 4 + elf.readI32(hdr.vaddr() + 4);
        Segment seg = elf.loadSegmentContaining(address);
        if (seg == null) {
            throw new MalformedElfException(String.format(".eh_frame_hdr points at unmapped 0x%x", address));
        }
        long end = seg.vaddr() + seg.filesz();
        if (hdr.vaddr() > address && hdr.vaddr() < end) {
            end = hdr.vaddr();
        }
        return new EhFrameLocation(address, end - address);
    }
}
