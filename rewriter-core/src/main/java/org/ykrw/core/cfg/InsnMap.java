package org.ykrw.core.cfg;

import java.util.ArrayList;
import java.util.List;
import org.ykrw.core.x86.FlowKind;
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

    private final LongMap<Insn> table;
    private Insn last;
    /** address-ordered values, or null after a change */
    private List<Insn> sorted;
    private boolean hasIndirectJump;

    /** @param expected number of instructions to size the table for */
    InsnMap(int expected) {
        table = new LongMap<>(expected);
    }

    /** @return the instruction starting at {@code address}, or null */
    Insn get(long address) {
        return table.get(address);
    }

    /** @return true when an instruction starts at {@code address} */
    boolean containsKey(long address) {
        return get(address) != null;
    }

    /** Adds (or replaces) the instruction at its address. */
    void put(Insn insn) {
        table.put(insn.address(), insn);
        if (last == null || insn.address() > last.address()) {
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
        return table.size();
    }

    /** @return true when empty */
    boolean isEmpty() {
        return table.size() == 0;
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
            long[] addresses = table.sortedKeys();
            List<Insn> out = new ArrayList<>(addresses.length);
            for (long a : addresses) {
                out.add(get(a));
            }
            sorted = out;
        }
        return sorted;
    }
}
