package org.ykrw.passes.strip;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.ElfSymbol;
import org.ykrw.core.elf.PltEntry;
import org.ykrw.core.elf.Relocation;

/**
 * Where calls to the functions {@code strip} removes go: their definitions and PLT entries (direct
 * calls) and the GOT slots ld.so fills with them (calls through {@code call [rip+slot]}, as
 * {@code -fno-plt} builds make). Read from the input once, so the pass itself sees only the IR.
 *
 * @param addresses entry addresses of the functions and of their PLT entries
 * @param gotSlots addresses of GOT slots that hold them
 */
public record StripTargets(Set<Long> addresses, Set<Long> gotSlots) {
    /** Keeps copies. */
    public StripTargets {
        addresses = Set.copyOf(addresses);
        gotSlots = Set.copyOf(gotSlots);
    }

    /**
     * @param elf the input
     * @param names functions whose calls are removed
     * @return where calls to them go in {@code elf}
     */
    public static StripTargets of(ElfFile elf, List<String> names) {
        Set<String> wanted = new HashSet<>(names);
        Set<Long> addresses = new HashSet<>();
        for (List<ElfSymbol> table : List.of(elf.symbols(), elf.dynamicSymbols())) {
            for (ElfSymbol s : table) {
                if (s.isFunction() && s.isDefined() && wanted.contains(s.name())) {
                    addresses.add(s.value());
                }
            }
        }
        for (PltEntry p : elf.pltEntries()) {
            if (wanted.contains(p.symbolName())) {
                addresses.add(p.address());
            }
        }
        Set<Long> slots = new HashSet<>();
        for (Relocation r : elf.relocations()) {
            if ((r.type() == Relocation.R_X86_64_GLOB_DAT || r.type() == Relocation.R_X86_64_JUMP_SLOT)
                    && wanted.contains(r.symbolName())) {
                slots.add(r.offset());
            }
        }
        return new StripTargets(addresses, slots);
    }
}
