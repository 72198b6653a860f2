package org.ykrw.core.pass;

import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * The input's PLT stubs, without ELF: which imported function each one calls.
 *
 * @param entries the stubs, in address order
 */
public record PltView(List<Entry> entries) {
    /** No PLT (a hand-built or static program). */
    public static final PltView NONE = new PltView(List.of());

    /**
     * A PLT stub.
     *
     * @param symbol the function it jumps to
     * @param address the stub's input address
     * @param gotAddress the GOT slot it jumps through
     */
    public record Entry(String symbol, long address, long gotAddress) {
    }

    /** @param entries the stubs, in address order */
    public PltView {
        entries = List.copyOf(entries);
    }

    /** @return the stub addresses of the functions named in {@code names} */
    public Set<Long> addressesOf(Collection<String> names) {
        return Addresses.of(entries, e -> names.contains(e.symbol()), Entry::address);
    }
}
