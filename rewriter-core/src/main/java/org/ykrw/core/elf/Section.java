package org.ykrw.core.elf;

/**
 * One section header of the input file.
 *
 * @param index index in the section header table
 * @param name name from the section name string table ("" if it has none)
 * @param type sh_type (SHT_PROGBITS = 1, SHT_NOBITS = 8 ...)
 * @param flags sh_flags (SHF_WRITE = 1, SHF_ALLOC = 2, SHF_EXECINSTR = 4, SHF_TLS = 0x400)
 * @param address sh_addr, the virtual address when loaded
 * @param offset sh_offset in the file
 * @param size sh_size
 * @param link sh_link
 * @param info sh_info
 * @param addralign sh_addralign
 * @param entsize sh_entsize
 */
public record Section(int index, String name, int type, long flags, long address, long offset, long size,
        int link, int info, long addralign, long entsize) {
    public static final int SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_RELA = 4, SHT_HASH = 5,
            SHT_DYNAMIC = 6, SHT_NOTE = 7, SHT_NOBITS = 8, SHT_DYNSYM = 11, SHT_INIT_ARRAY = 14,
            SHT_FINI_ARRAY = 15, SHT_PREINIT_ARRAY = 16, SHT_RELR = 19, SHT_GNU_HASH = 0x6ffffff6;
    public static final long SHF_WRITE = 1, SHF_ALLOC = 2, SHF_EXECINSTR = 4, SHF_TLS = 0x400;

    /** @return true when the section holds instructions (SHF_EXECINSTR) */
    public boolean isExecutable() {
        return (flags & SHF_EXECINSTR) != 0;
    }

    /** @return true when the section occupies memory at run time (SHF_ALLOC) */
    public boolean isAlloc() {
        return (flags & SHF_ALLOC) != 0;
    }

    /** @return true when the section has bytes in the file (not SHT_NOBITS) */
    public boolean hasFileBytes() {
        return type != SHT_NOBITS;
    }

    /** @return true when {@code address} lies inside this section's memory range */
    public boolean containsAddress(long vaddr) {
        return isAlloc() && vaddr >= address && vaddr - address < size;
    }
}
