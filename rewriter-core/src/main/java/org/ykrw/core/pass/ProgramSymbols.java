package org.ykrw.core.pass;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The functions the input's symbol tables define, without ELF: those of .symtab first, then those of
 * .dynsym (a stripped input has only the latter), in table order.
 *
 * @param functions defined function symbols, .symtab's before .dynsym's
 */
public record ProgramSymbols(List<Symbol> functions) {
    /** No symbols (a hand-built program). */
    public static final ProgramSymbols NONE = new ProgramSymbols(List.of());

    /**
     * A defined function symbol.
     *
     * @param name its name
     * @param address its input address
     * @param size its size in bytes (0 when the table does not say)
     */
    public record Symbol(String name, long address, long size) {
    }

    /** @param functions defined function symbols, .symtab's before .dynsym's */
    public ProgramSymbols {
        functions = List.copyOf(functions);
    }

    /** @return the first function named {@code name} (.symtab before .dynsym), if any */
    public Optional<Symbol> function(String name) {
        return functions.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** @return the addresses of every function whose name is in {@code names} */
    public Set<Long> addressesOf(Collection<String> names) {
        return Addresses.of(functions, s -> names.contains(s.name()), Symbol::address);
    }
}
