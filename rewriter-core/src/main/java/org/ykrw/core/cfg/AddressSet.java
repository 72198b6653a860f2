package org.ykrw.core.cfg;

import java.util.Arrays;
import java.util.function.LongConsumer;

/**
 * A small set of addresses kept in ascending order in a long array: what a lifted function calls and
 * jumps to. Replaces TreeSet&lt;Long&gt;, whose boxed keys and tree nodes made up much of what lifting
 * allocated, and whose iteration was the largest cost of the passes over all functions. Adding is
 * an insertion into the sorted array: these sets hold a few to a few hundred addresses.
 */
final class AddressSet {
    private static final long[] NONE = {};

    private long[] items = NONE;
    private int size;

    /** @return true when {@code address} was not in the set before */
    boolean add(long address) {
        int i = Arrays.binarySearch(items, 0, size, address);
        if (i >= 0) {
            return false;
        }
        int at = -i - 1;
        if (size == items.length) {
            items = Arrays.copyOf(items, Math.max(4, 2 * size));
        }
        System.arraycopy(items, at, items, at + 1, size - at);
        items[at] = address;
        size++;
        return true;
    }

    boolean contains(long address) {
        return Arrays.binarySearch(items, 0, size, address) >= 0;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    /** @return the {@code i}-th smallest address */
    long get(int i) {
        if (i >= size) {
            throw new IndexOutOfBoundsException(i);
        }
        return items[i];
    }

    /** Gives every address to {@code action}, in ascending order. */
    void forEach(LongConsumer action) {
        for (int i = 0; i < size; i++) {
            action.accept(items[i]);
        }
    }
}
