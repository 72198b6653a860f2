package org.ykrw.core.elf;

/**
 * One program header of the input file.
 *
 * @param index index in the program header table
 * @param type p_type (PT_LOAD = 1 ...)
 * @param flags p_flags (PF_X = 1, PF_W = 2, PF_R = 4)
 * @param offset p_offset
 * @param vaddr p_vaddr
 * @param paddr p_paddr
 * @param filesz p_filesz
 * @param memsz p_memsz
 * @param align p_align
 */
public record Segment(int index, int type, int flags, long offset, long vaddr, long paddr, long filesz,
        long memsz, long align) {
    public static final int PT_NULL = 0, PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_NOTE = 4, PT_PHDR = 6,
            PT_TLS = 7, PT_GNU_EH_FRAME = 0x6474e550, PT_GNU_STACK = 0x6474e551, PT_GNU_RELRO = 0x6474e552,
            PT_GNU_PROPERTY = 0x6474e553;
    public static final int PF_X = 1, PF_W = 2, PF_R = 4;

    /** @return true for PT_LOAD */
    public boolean isLoad() {
        return type == PT_LOAD;
    }

    /** @return true when the segment is mapped executable */
    public boolean isExecutable() {
        return (flags & PF_X) != 0;
    }

    /** @return true when {@code address} lies inside the segment's memory image */
    public boolean containsAddress(long address) {
        return address >= vaddr && address - vaddr < memsz;
    }
}
