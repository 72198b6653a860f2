package org.ykrw.passes.strip;

import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import org.ykrw.core.pass.PassInput;

/**
 * Where calls to the functions {@code strip} removes go: their definitions and PLT entries (direct
 * calls) and the GOT slots ld.so fills with them (calls through {@code call [rip+slot]}, as
 * {@code -fno-plt} builds make). Found through the ELF-free views of the input ({@link PassInput#symbols},
 * {@link PassInput#plt}, {@link PassInput#relocations}) when the pass runs.
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
     * @param input what the pass reads of the input: its function symbols, PLT and dynamic relocations
     * @param names functions whose calls are removed
     * @return where calls to them go in the input
     */
    public static StripTargets of(PassInput input, Collection<String> names) {
        Set<Long> addresses = new HashSet<>(input.symbols().addressesOf(names));
        addresses.addAll(input.plt().addressesOf(names));
        return new StripTargets(addresses, input.relocations().functionSlotsOf(names));
    }
}
