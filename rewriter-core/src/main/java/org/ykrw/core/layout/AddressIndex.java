package org.ykrw.core.layout;

import java.util.Arrays;

/**
 * Input addresses to non-negative positions (of a block, an instruction, a function in the layout's
 * emission order), on primitive arrays: the layout keeps one entry per moved instruction, and boxed
 * keys and entry objects for those were most of its time and allocation.
 *
 * <p>Where the addresses are dense (code: an instruction every few bytes) the table is direct, one
 * slot per address of their span, so that walking code in address order walks the table in order
 * too; elsewhere it is a hash table with open addressing.
 */
final class AddressIndex {
    /** What {@link #get} returns for an address with no position. */
    static final int ABSENT = -1;
    private static final long EMPTY = Long.MIN_VALUE;  // not a code address
    /** A direct table is chosen up to this many slots per expected address, or this many slots in all. */
    private static final long DENSE_SLOTS_PER_KEY = 8;
    private static final long DENSE_SLOTS_ANYWAY = 1 << 20;

    /** Direct mode: slot {@code a - low} holds position + 1 of address {@code a} (0: none). */
    private final long low;
    private final int[] direct;
    /** Hash mode. */
    private long[] keys;
    private int[] values;
    private int size;

    /**
     * @param expected number of addresses to size the table for
     * @param low the lowest address that will be added
     * @param high the highest address that will be added
     */
    AddressIndex(int expected, long low, long high) {
        if (low > high) {   // nothing to add
            low = 0;
            high = 0;
        }
        long span = high - low + 1;
        this.low = low;
        if (span > 0 && span < Integer.MAX_VALUE - 8 && (span <= DENSE_SLOTS_PER_KEY * expected || span <= DENSE_SLOTS_ANYWAY)) {
            direct = new int[(int) span];
            return;
        }
        direct = null;
        int capacity = 16;
        while (capacity < 2 * expected) {
            capacity <<= 1;
        }
        keys = new long[capacity];
        Arrays.fill(keys, EMPTY);
        values = new int[capacity];
    }

    /** @return the position of {@code key}, or {@link #ABSENT} */
    int get(long key) {
        if (direct != null) {
            long i = key - low;
            return i >= 0 && i < direct.length ? direct[(int) i] - 1 : ABSENT;
        }
        int mask = keys.length - 1;
        for (int i = hash(key, mask); ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == key) {
                return values[i];
            }
            if (k == EMPTY) {
                return ABSENT;
            }
        }
    }

    /**
     * Maps {@code key} to {@code value} unless it has a position already: the first one emitted wins.
     *
     * @return true when it had none
     */
    boolean putIfAbsent(long key, int value) {
        if (direct != null) {
            int i = directSlot(key);
            if (direct[i] != 0) {
                return false;
            }
            direct[i] = value + 1;
            size++;
            return true;
        }
        int i = slot(key);
        if (keys[i] != EMPTY) {
            return false;
        }
        keys[i] = key;
        values[i] = value;
        size++;
        return true;
    }

    /** Maps {@code key} to {@code value}, replacing its position: the last one emitted wins. */
    void put(long key, int value) {
        putIfAbsent(key, value);
        if (direct != null) {
            direct[directSlot(key)] = value + 1;
        } else {
            values[slot(key)] = value;
        }
    }

    /** @return number of addresses */
    int size() {
        return size;
    }

    /** @return the number of slots, which {@link #used}, {@link #keyAt} and {@link #valueAt} read */
    int capacity() {
        return direct != null ? direct.length : keys.length;
    }

    /** @return true when slot {@code i} holds an address */
    boolean used(int i) {
        return direct != null ? direct[i] != 0 : keys[i] != EMPTY;
    }

    long keyAt(int i) {
        return direct != null ? low + i : keys[i];
    }

    int valueAt(int i) {
        return direct != null ? direct[i] - 1 : values[i];
    }

    private int directSlot(long key) {
        long i = key - low;
        if (i < 0 || i >= direct.length) {
            throw new IllegalArgumentException(String.format("address 0x%x outside the index's span", key));
        }
        return (int) i;
    }

    /** @return the slot holding {@code key}, or the empty one where it goes (growing the table first) */
    private int slot(long key) {
        if (2 * (size + 1) > keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        int i = hash(key, mask);
        while (keys[i] != key && keys[i] != EMPTY) {
            i = (i + 1) & mask;
        }
        return i;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        Arrays.fill(keys, EMPTY);
        values = new int[keys.length];
        int mask = keys.length - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldKeys[j] != EMPTY) {
                int i = hash(oldKeys[j], mask);
                while (keys[i] != EMPTY) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[j];
                values[i] = oldValues[j];
            }
        }
    }

    private static int hash(long key, int mask) {
        return (int) ((key * 0x9E37_79B9_7F4A_7C15L) >>> 32) & mask;
    }
}
