package org.ykrw.core.meta;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.ElfSymbol;
import org.ykrw.core.elf.Section;
import org.ykrw.core.ir.Function;

/**
 * Moves the .symtab FUNC symbols of relocated functions to their new code (design step 8): new
 * st_value, st_size and st_shndx (the new code's section), so debuggers name and break on the code
 * that runs and backtraces show names. .dynsym is left alone: its values are what dlsym and other
 * objects compare function pointers with, and the old entries still work.
 */
public final class SymbolTableRewriter {
    private static final int ENTRY_SIZE = 24;

    private SymbolTableRewriter() {
    }

    /**
     * @param elf the input
     * @param moved relocated functions
     * @param newEntry old entry address -> new entry address
     * @param newRanges new [start, end) of each relocated function
     * @param newSectionIndex output section index of the new code's section
     * @return file offset -> bytes to write there (whole symbol entries)
     */
    public static Map<Long, byte[]> patches(ElfFile elf, List<Function> moved, Map<Long, Long> newEntry,
            Map<Function, long[]> newRanges, int newSectionIndex) {
        Map<Long, byte[]> out = new LinkedHashMap<>();
        Section symtab = elf.sections().stream().filter(s -> s.type() == Section.SHT_SYMTAB).findFirst().orElse(null);
        if (symtab == null || newSectionIndex <= 0 || newSectionIndex >= 0xFF00) {
            return out;
        }
        Map<Long, Function> byEntry = new HashMap<>();
        for (Function f : moved) {
            byEntry.put(f.entryAddress(), f);
        }
        for (ElfSymbol s : elf.symbols()) {
            Function f = byEntry.get(s.value());
            Long entry = newEntry.get(s.value());
            if (s.dynamic() || s.type() != ElfSymbol.STT_FUNC || !s.isDefined() || f == null || entry == null) {
                continue;
            }
            long at = symtab.offset() + (long) s.index() * ENTRY_SIZE;
            byte[] e = java.util.Arrays.copyOfRange(elf.data(), (int) at, (int) at + ENTRY_SIZE);
            long size = newRanges.get(f)[1] - entry;
            e[6] = (byte) newSectionIndex;
            e[7] = (byte) (newSectionIndex >> 8);
            for (int i = 0; i < 8; i++) {
                e[8 + i] = (byte) (entry >>> (8 * i));
                e[16 + i] = (byte) (size >>> (8 * i));
            }
            out.put(at, e);
        }
        return out;
    }
}
