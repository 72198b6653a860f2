package org.ykrw.core.cfg;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ykrw.core.x86.FlowKind;
import org.ykrw.core.x86.Insn;

/**
 * The instructions of one lifted function by address. A function's code lies above its range start
 * and mostly inside its FDE range, so the instructions sit in an array indexed by their offset from
 * that start: a lookup is an array load (lifting asks several per instruction), address order comes
 * from a scan, and the array costs four bytes per code byte, no more than a hash table sized for the
 * range cost. Code farther away than {@link #DENSE_LIMIT} bytes (a function without an FDE that
 * jumps far) goes to a hash table instead, so no function can claim a huge array.
 *
 * <p>Ordered questions are answered by probing: no x86 instruction is longer than 15 bytes, so the
 * instruction before an address that can reach it starts at most 15 bytes lower, and probing those
 * addresses nearest first gives what {@code lowerEntry} gives for every use that then checks the
 * instruction's end.
 */
final class InsnMap {
    private static final int MAX_INSN = 15;
    /** Largest array (in code bytes) one function gets; beyond it, instructions go to {@link #far}. */
    private static final int DENSE_LIMIT = 1 << 20;
    /** Smallest array, for functions without an FDE to size it from. */
    private static final int MIN_DENSE = 256;

    private final long base;
    /** the instruction starting at base + i, or null */
    private Insn[] dense;
    /** instructions outside [base, base + DENSE_LIMIT), or null while there is none */
    private LongMap<Insn> far;
    private int size;
    private Insn last;
    /** address-ordered values, or null after a change */
    private List<Insn> sorted;
    private boolean hasIndirectJump;

    /**
     * @param base the lowest address expected (the function's range start)
     * @param expectedSpan bytes the code is expected to span from {@code base} (its FDE range), or 0
     */
    InsnMap(long base, long expectedSpan) {
        this.base = base;
        this.dense = new Insn[(int) Math.min(Math.max(expectedSpan, MIN_DENSE), DENSE_LIMIT)];
    }

    /** @return the instruction starting at {@code address}, or null */
    Insn get(long address) {
        long offset = address - base;
        if (offset >= 0 && offset < dense.length) {
            return dense[(int) offset];
        }
        return far == null ? null : far.get(address);
    }

    /** @return true when an instruction starts at {@code address} */
    boolean containsKey(long address) {
        return get(address) != null;
    }

    /** Adds (or replaces) the instruction at its address. */
    void put(Insn insn) {
        long address = insn.address();
        long offset = address - base;
        if (offset >= 0 && offset < DENSE_LIMIT) {
            if (offset >= dense.length) {
                dense = Arrays.copyOf(dense, (int) Math.min(Math.max(2L * dense.length, offset + 1), DENSE_LIMIT));
            }
            if (dense[(int) offset] == null) {
                size++;
            }
            dense[(int) offset] = insn;
        } else {
            if (far == null) {
                far = new LongMap<>(16);
            }
            if (far.get(address) == null) {
                size++;
            }
            far.put(address, insn);
        }
        if (last == null || address > last.address()) {
            last = insn;
        }
        sorted = null;
        hasIndirectJump |= insn.flow() == FlowKind.INDIRECT_JUMP;
    }

    /** @return true when an indirect jump was ever put */
    boolean hasIndirectJump() {
        return hasIndirectJump;
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
            List<Insn> out = new ArrayList<>(size);
            long[] farAddresses = far == null ? new long[0] : far.sortedKeys();
            int k = 0;
            while (k < farAddresses.length && farAddresses[k] < base) {
                out.add(far.get(farAddresses[k++]));
            }
            int end = last == null ? 0 : (int) Math.min(dense.length, last.address() - base + 1);
            for (int i = 0; i < end; i++) {
                if (dense[i] != null) {
                    out.add(dense[i]);
                }
            }
            while (k < farAddresses.length) {
                out.add(far.get(farAddresses[k++]));
            }
            sorted = out;
        }
        return sorted;
    }
}
