package org.ykrw.core.cfg;

import java.util.Arrays;

/**
 * A set of addresses on primitive longs (open addressing), for the per-function sets lifting only
 * adds to and asks about: no boxed Long and no tree node per element.
 */
final class LongSet {
    private static final long EMPTY = Long.MIN_VALUE;  // not a code address

    private long[] keys;
    private int size;

    LongSet() {
        this(8);
    }

    /** @param expected number of elements to size the table for */
    LongSet(int expected) {
        int capacity = 16;
        while (capacity < 2 * expected) {
            capacity <<= 1;
        }
        keys = new long[capacity];
        Arrays.fill(keys, EMPTY);
    }

    /** @return true when {@code value} is in the set */
    boolean contains(long value) {
        int mask = keys.length - 1;
        for (int i = hash(value, mask); ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == value) {
                return true;
            }
            if (k == EMPTY) {
                return false;
            }
        }
    }

    /** @return true when {@code value} was not in the set before */
    boolean add(long value) {
        if (2 * (size + 1) > keys.length) {
            long[] old = keys;
            keys = new long[old.length * 2];
            Arrays.fill(keys, EMPTY);
            for (long k : old) {
                if (k != EMPTY) {
                    insert(k);
                }
            }
        }
        if (insert(value)) {
            size++;
            return true;
        }
        return false;
    }

    private boolean insert(long value) {
        int mask = keys.length - 1;
        for (int i = hash(value, mask); ; i = (i + 1) & mask) {
            if (keys[i] == value) {
                return false;
            }
            if (keys[i] == EMPTY) {
                keys[i] = value;
                return true;
            }
        }
    }

    /** Empties the set, keeping its table (a set reused as scratch). */
    void clear() {
        if (size > 0) {
            Arrays.fill(keys, EMPTY);
            size = 0;
        }
    }

    /** @return number of elements */
    int size() {
        return size;
    }

    private static int hash(long value, int mask) {
        return (int) ((value * 0x9E37_79B9_7F4A_7C15L) >>> 32) & mask;
    }
}
