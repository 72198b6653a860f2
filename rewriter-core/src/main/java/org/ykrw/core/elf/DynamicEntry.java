package org.ykrw.core.elf;

/**
 * One entry of the .dynamic table.
 *
 * @param tag d_tag (DT_NEEDED = 1 ...)
 * @param value d_val / d_ptr
 */
public record DynamicEntry(long tag, long value) {
    public static final long DT_NULL = 0, DT_NEEDED = 1, DT_STRTAB = 5, DT_SYMTAB = 6, DT_RELA = 7,
            DT_INIT = 12, DT_FINI = 13, DT_INIT_ARRAY = 25, DT_FINI_ARRAY = 26, DT_FLAGS_1 = 0x6ffffffb;
    public static final long DF_1_PIE = 0x08000000L;
}
