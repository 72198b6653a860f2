package org.ykrw.core.pass;

import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * The input's dynamic relocations that name a symbol, without ELF: which slots ld.so fills with a
 * symbol's address (a call through the GOT reads one of them).
 *
 * @param slots the relocated slots, in the input's order
 * @param resolvers the entries of the input's IFUNC resolvers (R_X86_64_IRELATIVE addends, STT_GNU_IFUNC
 *     symbols): ld.so runs them while it relocates the file, before any library's initialiser
 */
public record RelocationView(List<Slot> slots, Set<Long> resolvers) {
    /** No relocations (a hand-built program). */
    public static final RelocationView NONE = new RelocationView(List.of(), Set.of());

    /** What ld.so writes into a slot. */
    public enum Kind {
        /** The symbol's address into a GOT entry (R_X86_64_GLOB_DAT). */
        GOT_ENTRY,
        /** The symbol's address into a PLT's GOT slot (R_X86_64_JUMP_SLOT). */
        PLT_SLOT,
        /** Anything else that names a symbol (absolute addresses, TLS, copies). */
        OTHER
    }

    /**
     * A relocated slot.
     *
     * @param address the slot's input address
     * @param symbol the symbol whose value goes there
     * @param kind what ld.so writes
     */
    public record Slot(long address, String symbol, Kind kind) {
    }

    public RelocationView {
        slots = List.copyOf(slots);
        resolvers = Set.copyOf(resolvers);
    }

    /** @return the GOT entries and PLT slots that ld.so fills with a function named in {@code names} */
    public Set<Long> functionSlotsOf(Collection<String> names) {
        return Addresses.of(slots, s -> s.kind() != Kind.OTHER && names.contains(s.symbol()), Slot::address);
    }
}
