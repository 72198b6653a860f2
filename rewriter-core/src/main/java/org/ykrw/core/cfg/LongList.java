package org.ykrw.core.cfg;

import java.util.Arrays;

/** A growing list of longs (addresses), without a boxed Long per element. */
final class LongList {
    private static final long[] NONE = {};

    /** allocated on the first add: a lifter's work stack is made for every function lifted */
    private long[] items = NONE;
    private int size;

    void add(long value) {
        if (size == items.length) {
            items = Arrays.copyOf(items, Math.max(8, size * 2));
        }
        items[size++] = value;
    }

    long get(int i) {
        if (i >= size) {
            throw new IndexOutOfBoundsException(i);
        }
        return items[i];
    }

    /** @return the last element, removed */
    long removeLast() {
        if (size == 0) {
            throw new java.util.NoSuchElementException();
        }
        return items[--size];
    }

    /** Empties the list, keeping its array (a list reused as scratch). */
    void clear() {
        size = 0;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    /** Sorts the elements in ascending order. */
    void sort() {
        Arrays.sort(items, 0, size);
    }

    /** @return the elements, in order (a new array) */
    long[] toArray() {
        return Arrays.copyOf(items, size);
    }
}
