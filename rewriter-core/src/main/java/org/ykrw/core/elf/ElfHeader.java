package org.ykrw.core.elf;

/**
 * The fields of the ELF64 file header ykrw uses.
 *
 * @param type e_type (ET_EXEC = 2, ET_DYN = 3)
 * @param machine e_machine (62 = x86-64)
 * @param entry e_entry
 * @param phoff e_phoff
 * @param shoff e_shoff
 * @param phentsize e_phentsize
 * @param phnum e_phnum
 * @param shentsize e_shentsize
 * @param shnum e_shnum
 * @param shstrndx e_shstrndx
 * @param flags e_flags
 */
public record ElfHeader(int type, int machine, long entry, long phoff, long shoff, int phentsize, int phnum,
        int shentsize, int shnum, int shstrndx, int flags) {
    public static final int ET_REL = 1, ET_EXEC = 2, ET_DYN = 3, ET_CORE = 4;
    public static final int EM_X86_64 = 62;
    /** Size of the ELF64 header, of one program header and of one section header. */
    public static final int SIZE = 64, PHENT_SIZE = 56, SHENT_SIZE = 64;
}
