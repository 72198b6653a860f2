package org.ykrw.core.cfg;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ykrw.core.x86.Insn;

/**
 * The instructions of one lifted function by address: an open-addressing hash table on primitive
 * longs, in place of a {@code TreeMap<Long, Insn>} that boxed every key and cost a tree node per
 * instruction (the largest part of the heap when lifting large programs).
 *
 * <p>Ordered questions are answered by probing: no x86 instruction is longer than 15 bytes, so the
 * instruction before an address that can reach it starts at most 15 bytes lower, and probing those
 * addresses nearest first gives what {@code lowerEntry} gives for every use that then checks the
 * instruction's end. Address order for iteration comes from sorting once, when asked.
 */
final class InsnMap {
    private static final int MAX_INSN = 15;
    private static final long EMPTY = Long.MIN_VALUE;  // not a code address: they are positive

    private long[] keys;
    private Insn[] values;
    private int size;
    private Insn last;
    /** address-ordered values, or null after a change */
    private List<Insn> sorted;

    /** @param expected number of instructions to size the table for */
    InsnMap(int expected) {
        int capacity = 16;
        while (capacity < 2 * expected) {
            capacity <<= 1;
        }
        allocate(capacity);
    }

    private void allocate(int capacity) {
        keys = new long[capacity];
        Arrays.fill(keys, EMPTY);
        values = new Insn[capacity];
    }

    private static int hash(long address, int mask) {
        long h = address * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h >>> 32) & mask;
    }

    /** @return the instruction starting at {@code address}, or null */
    Insn get(long address) {
        int mask = keys.length - 1;
        for (int i = hash(address, mask); ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == address) {
                return values[i];
            }
            if (k == EMPTY) {
                return null;
            }
        }
    }

    /** @return true when an instruction starts at {@code address} */
    boolean containsKey(long address) {
        return get(address) != null;
    }

    /** Adds (or replaces) the instruction at its address. */
    void put(Insn insn) {
        if (2 * (size + 1) > keys.length) {
            long[] oldKeys = keys;
            Insn[] oldValues = values;
            allocate(keys.length * 2);
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldKeys[i] != EMPTY) {
                    insert(oldKeys[i], oldValues[i]);
                }
            }
        }
        if (insert(insn.address(), insn)) {
            size++;
        }
        if (last == null || insn.address() > last.address()) {
            last = insn;
        }
        sorted = null;
    }

    private boolean insert(long address, Insn insn) {
        int mask = keys.length - 1;
        for (int i = hash(address, mask); ; i = (i + 1) & mask) {
            if (keys[i] == address) {
                values[i] = insn;
                return false;
            }
            if (keys[i] == EMPTY) {
                keys[i] = address;
                values[i] = insn;
                return true;
            }
        }
    }

    /** @return number of instructions */
    int size() {
        return size;
    }

    /** @return true when empty */
    boolean isEmpty() {
        return size == 0;
    }

    /** @return the instruction with the highest address, or null */
    Insn last() {
        return last;
    }

    /**
     * @return the nearest instruction starting in the 15 bytes below {@code address}, or null (a
     *     farther one cannot reach {@code address})
     */
    Insn below(long address) {
        for (int d = 1; d <= MAX_INSN; d++) {
            Insn i = get(address - d);
            if (i != null) {
                return i;
            }
        }
        return null;
    }

    /** @return the nearest instruction starting in ({@code address}, {@code limit}), or null */
    Insn above(long address, long limit) {
        for (long a = address + 1; a < limit; a++) {
            Insn i = get(a);
            if (i != null) {
                return i;
            }
        }
        return null;
    }

    /** @return the instructions in address order (a shared list: do not modify) */
    List<Insn> values() {
        if (sorted == null) {
            long[] addresses = new long[size];
            int n = 0;
            for (long k : keys) {
                if (k != EMPTY) {
                    addresses[n++] = k;
                }
            }
            Arrays.sort(addresses);
            List<Insn> out = new ArrayList<>(size);
            for (long a : addresses) {
                out.add(get(a));
            }
            sorted = out;
        }
        return sorted;
    }
}
