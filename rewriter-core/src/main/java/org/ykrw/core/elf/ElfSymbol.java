package org.ykrw.core.elf;

/**
 * A symbol from .symtab or .dynsym.
 *
 * @param index index in its table
 * @param name symbol name (without version suffix)
 * @param value st_value (an address for defined symbols in executables and shared objects)
 * @param size st_size
 * @param type STT_* (FUNC = 2, OBJECT = 1, TLS = 6, GNU_IFUNC = 10)
 * @param binding STB_* (LOCAL = 0, GLOBAL = 1, WEAK = 2)
 * @param sectionIndex st_shndx (0 = undefined, 0xfff1 = absolute)
 * @param dynamic true when the symbol comes from .dynsym
 */
public record ElfSymbol(int index, String name, long value, long size, int type, int binding, int sectionIndex,
        boolean dynamic) {
    public static final int STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3, STT_FILE = 4,
            STT_TLS = 6, STT_GNU_IFUNC = 10;
    public static final int STB_LOCAL = 0, STB_GLOBAL = 1, STB_WEAK = 2;
    public static final int SHN_UNDEF = 0, SHN_ABS = 0xfff1;

    /** @return true for STT_FUNC and STT_GNU_IFUNC symbols */
    public boolean isFunction() {
        return type == STT_FUNC || type == STT_GNU_IFUNC;
    }

    /** @return true when the symbol is defined in this file */
    public boolean isDefined() {
        return sectionIndex != SHN_UNDEF;
    }
}
