package org.ykrw.core.pass;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/** The one lookup the input views share: the addresses of the entries that name what a pass looks for. */
final class Addresses {
    private Addresses() {
    }

    /**
     * @param entries a view's entries
     * @param wanted which of them count
     * @param address an entry's address
     * @return the addresses of the wanted entries
     */
    static <T> Set<Long> of(List<T> entries, Predicate<T> wanted, ToLongFunction<T> address) {
        Set<Long> out = new HashSet<>();
        for (T e : entries) {
            if (wanted.test(e)) {
                out.add(address.applyAsLong(e));
            }
        }
        return out;
    }
}
