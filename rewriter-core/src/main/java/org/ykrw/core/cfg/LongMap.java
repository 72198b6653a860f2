package org.ykrw.core.cfg;

import java.util.Arrays;

/**
 * A map from addresses to values on primitive longs (open addressing), for the large per-program
 * lookups of lifting (a block per address): no boxed Long key and no entry object per mapping.
 *
 * @param <V> value type (null values are not stored)
 */
final class LongMap<V> {
    private static final long EMPTY = Long.MIN_VALUE;  // not a code address

    private long[] keys;
    private Object[] values;
    private int size;

    /** @param expected number of mappings to size the table for */
    LongMap(int expected) {
        int capacity = 16;
        while (capacity < 2 * expected) {
            capacity <<= 1;
        }
        allocate(capacity);
    }

    private void allocate(int capacity) {
        keys = new long[capacity];
        Arrays.fill(keys, EMPTY);
        values = new Object[capacity];
    }

    /** @return the value mapped to {@code key}, or null */
    @SuppressWarnings("unchecked")
    V get(long key) {
        int mask = keys.length - 1;
        for (int i = hash(key, mask); ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == key) {
                return (V) values[i];
            }
            if (k == EMPTY) {
                return null;
            }
        }
    }

    /** Maps {@code key} to {@code value} unless it is mapped already (as {@code Map.putIfAbsent}). */
    void putIfAbsent(long key, V value) {
        if (2 * (size + 1) > keys.length) {
            long[] oldKeys = keys;
            Object[] oldValues = values;
            allocate(keys.length * 2);
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldKeys[i] != EMPTY) {
                    insertIfAbsent(oldKeys[i], oldValues[i]);
                }
            }
        }
        if (insertIfAbsent(key, value)) {
            size++;
        }
    }

    /** Maps {@code key} to {@code value}, replacing what it was mapped to (as {@code Map.put}). */
    void put(long key, V value) {
        putIfAbsent(key, value);
        int mask = keys.length - 1;
        for (int i = hash(key, mask); ; i = (i + 1) & mask) {
            if (keys[i] == key) {
                values[i] = value;
                return;
            }
        }
    }

    /** @return number of mappings */
    int size() {
        return size;
    }

    /** @return the keys, in ascending order (a new array) */
    long[] sortedKeys() {
        long[] out = new long[size];
        int n = 0;
        for (long k : keys) {
            if (k != EMPTY) {
                out[n++] = k;
            }
        }
        Arrays.sort(out);
        return out;
    }

    private boolean insertIfAbsent(long key, Object value) {
        int mask = keys.length - 1;
        for (int i = hash(key, mask); ; i = (i + 1) & mask) {
            if (keys[i] == key) {
                return false;
            }
            if (keys[i] == EMPTY) {
                keys[i] = key;
                values[i] = value;
                return true;
            }
        }
    }

    private static int hash(long key, int mask) {
        return (int) ((key * 0x9E37_79B9_7F4A_7C15L) >>> 32) & mask;
    }
}
