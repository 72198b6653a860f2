package org.ykrw.core.elf;

/**
 * One RELA relocation entry of the input file (.rela.dyn, .rela.plt or any other SHT_RELA section).
 *
 * @param section name of the relocation section it came from
 * @param offset r_offset (a virtual address in executables and shared objects)
 * @param type R_X86_64_* type
 * @param symbolIndex index into the linked symbol table (0 = none)
 * @param symbolName name of that symbol, "" when none
 * @param addend r_addend
 */
public record Relocation(String section, long offset, int type, int symbolIndex, String symbolName, long addend) {
    public static final int R_X86_64_NONE = 0, R_X86_64_64 = 1, R_X86_64_PC32 = 2, R_X86_64_GLOB_DAT = 6,
            R_X86_64_JUMP_SLOT = 7, R_X86_64_RELATIVE = 8, R_X86_64_DTPMOD64 = 16, R_X86_64_DTPOFF64 = 17,
            R_X86_64_TPOFF64 = 18, R_X86_64_IRELATIVE = 37;
}
