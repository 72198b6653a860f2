package org.ykrw.core.elf;

/**
 * One entry of the .dynamic table.
 *
 * @param tag d_tag (DT_NEEDED = 1 ...)
 * @param value d_val / d_ptr
 */
public record DynamicEntry(long tag, long value) {
    public static final long DT_NULL = 0, DT_NEEDED = 1, DT_STRTAB = 5, DT_SYMTAB = 6, DT_RELA = 7,
            DT_INIT = 12, DT_FINI = 13, DT_RPATH = 15, DT_RUNPATH = 29, DT_INIT_ARRAY = 25, DT_FINI_ARRAY = 26, DT_FLAGS_1 = 0x6ffffffb;
    public static final long DF_1_PIE = 0x08000000L;

    /** @return the tag's name for messages, or its number */
    public static String tagName(long tag) {
        if (tag == DT_NEEDED) {
            return "DT_NEEDED";
        } else if (tag == DT_RPATH) {
            return "DT_RPATH";
        } else if (tag == DT_RUNPATH) {
            return "DT_RUNPATH";
        }
        return "dynamic tag " + tag;
    }
}
