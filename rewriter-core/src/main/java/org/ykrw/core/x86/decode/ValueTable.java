package org.ykrw.core.x86.decode;

/**
 * An open-addressing map from nonzero long keys to values, each entry also numbered 1, 2, 3... in the
 * order it was added. Made for {@link OperandPool}: no boxing of keys, no entry objects, and one
 * probe sequence that both finds a key and tells where to add it. Not thread-safe.
 */
final class ValueTable {
    private long[] keys;
    private Object[] values;
    private int[] numbers;
    private int count;

    /** @param capacity initial slots, a power of two */
    ValueTable(int capacity) {
        keys = new long[capacity];
        values = new Object[capacity];
        numbers = new int[capacity];
    }

    /** @return the slot holding {@code key}, or {@code ~slot} of the empty slot where it would go */
    int find(long key) {
        int mask = keys.length - 1;
        for (int i = hash(key) & mask; ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == key) {
                return i;
            }
            if (k == 0) {
                return ~i;
            }
        }
    }

    /** @return the value in a slot {@link #find} returned */
    Object value(int slot) {
        return values[slot];
    }

    /** @return the number of the entry in a slot {@link #find} returned */
    int number(int slot) {
        return numbers[slot];
    }

    /**
     * Adds an entry where {@link #find} said it goes (nothing added since).
     *
     * @return the new entry's number
     */
    int add(int emptySlot, long key, Object value) {
        keys[emptySlot] = key;
        values[emptySlot] = value;
        numbers[emptySlot] = ++count;
        if (4 * count > 3 * keys.length) {  // load 3/4: python3.11 decodes in 3 MB less than at 1/2
            grow();
        }
        return count;
    }

    private static int hash(long key) {
        long h = key * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h ^ (h >>> 32));
    }

    private void grow() {
        long[] oldKeys = keys;
        Object[] oldValues = values;
        int[] oldNumbers = numbers;
        keys = new long[oldKeys.length * 2];
        values = new Object[keys.length];
        numbers = new int[keys.length];
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldKeys[j] != 0) {
                int i = ~find(oldKeys[j]);
                keys[i] = oldKeys[j];
                values[i] = oldValues[j];
                numbers[i] = oldNumbers[j];
            }
        }
    }
}
