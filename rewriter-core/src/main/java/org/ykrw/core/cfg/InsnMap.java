package org.ykrw.core.cfg;

import com.carrotsearch.hppc.LongObjectHashMap;
import java.util.Arrays;
import java.util.List;
import org.ykrw.core.x86.FlowKind;
import org.ykrw.core.x86.Insn;

/**
 * The instructions of one lifted function by address. Every instruction lifting puts here is the one
 * {@link CodeImage} holds for its address, and a function's code lies above its range start in one
 * region: so the map is a bit per code byte from the range start (is an instruction of the function
 * there?), and the instruction itself is read from the image's array for the region. A lookup is a
 * bit test and an array load, address order comes from a scan of the bits, and the whole map costs
 * an eighth of a byte per code byte, where an array of instructions cost four and a hash table sized
 * for the range more. Anything else (an instruction the image does not hold, code farther than
 * {@link #DENSE_LIMIT} bytes away: a function without an FDE jumping far) goes to a hash table.
 *
 * <p>Ordered questions are answered by probing: no x86 instruction is longer than 15 bytes, so the
 * instruction before an address that can reach it starts at most 15 bytes lower, and probing those
 * addresses nearest first gives what {@code lowerEntry} gives for every use that then checks the
 * instruction's end.
 */
final class InsnMap {
    private static final int MAX_INSN = 15;
    /** Largest span (in code bytes) the bits cover; beyond it, instructions go to {@link #far}. */
    private static final int DENSE_LIMIT = 1 << 24;
    /** Smallest span, for functions without an FDE to size it from. */
    private static final int MIN_DENSE = 256;

    private final long base;
    /** the image's instructions for the region holding base, indexed from slotsBase; null: none */
    private final Insn[] slots;
    private final long slotsBase;
    /** bit i: the image's instruction at base + i belongs to the function */
    private long[] bits;
    /** instructions the bits cannot hold, or null while there is none */
    private LongObjectHashMap<Insn> far;
    private int size;
    private Insn last;
    /** address-ordered values, or null after a change; the IR's blocks keep the array as their code */
    private Insn[] sorted;
    /** sorted as a list */
    private List<Insn> sortedList;
    private boolean hasIndirectJump;

    /**
     * @param image where the function's instructions come from
     * @param base the lowest address expected (the function's range start)
     * @param expectedSpan bytes the code is expected to span from {@code base} (its FDE range), or 0
     */
    InsnMap(CodeImage image, long base, long expectedSpan) {
        this.base = base;
        int region = image.regionOf(base);
        this.slots = region >= 0 ? image.slots(region) : null;
        this.slotsBase = region >= 0 ? image.regionStart(region) : 0;
        long span = Math.min(Math.max(expectedSpan, MIN_DENSE), DENSE_LIMIT);
        this.bits = new long[(int) ((span + 63) >>> 6)];
    }

    /** @return the instruction starting at {@code address}, or null */
    Insn get(long address) {
        long offset = address - base;
        if (offset >= 0 && offset < ((long) bits.length << 6) && (bits[(int) (offset >>> 6)] & (1L << offset)) != 0) {
            return slots[(int) (address - slotsBase)];
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
        boolean existed = get(address) != null;
        if (existed) {
            if (offset >= 0 && offset < ((long) bits.length << 6)) {
                bits[(int) (offset >>> 6)] &= ~(1L << offset);
            }
            if (far != null) {
                far.put(address, null);
            }
        }
        long slot = address - slotsBase;
        if (offset >= 0 && offset < DENSE_LIMIT && slots != null && slot >= 0 && slot < slots.length
                && slots[(int) slot] == insn) {
            int word = (int) (offset >>> 6);
            if (word >= bits.length) {
                bits = Arrays.copyOf(bits, Math.max(2 * bits.length, word + 1));
            }
            bits[word] |= 1L << offset;
        } else {
            if (far == null) {
                far = new LongObjectHashMap<>(16);
            }
            far.put(address, insn);
        }
        if (!existed) {
            size++;
        }
        if (last == null || address > last.address()) {
            last = insn;
        }
        sorted = null;
        sortedList = null;
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
        if (sortedList == null) {
            sortedList = Arrays.asList(sortedArray());
        }
        return sortedList;
    }

    /**
     * @return the instructions in address order (a shared array: do not modify; a later put makes a
     *     new one and leaves this one as it is)
     */
    Insn[] sortedArray() {
        if (sorted == null) {
            Insn[] out = new Insn[size];
            int n = 0;
            long[] farAddresses = far == null ? new long[0] : far.keys().toArray();
            Arrays.sort(farAddresses);
            int k = 0;
            for (int w = 0; w < bits.length; w++) {
                for (long word = bits[w]; word != 0; word &= word - 1) {
                    long address = base + ((long) w << 6) + Long.numberOfTrailingZeros(word);
                    for (; k < farAddresses.length && farAddresses[k] < address; k++) {
                        n = addIfPresent(out, n, far.get(farAddresses[k]));
                    }
                    out[n++] = slots[(int) (address - slotsBase)];
                }
            }
            for (; k < farAddresses.length; k++) {
                n = addIfPresent(out, n, far.get(farAddresses[k]));
            }
            sorted = n == out.length ? out : Arrays.copyOf(out, n);
        }
        return sorted;
    }

    /**
     * Stores {@code insn} at {@code out[n]} unless null (a far entry replaced by one the bits hold).
     *
     * @return the count of stored instructions
     */
    private static int addIfPresent(Insn[] out, int n, Insn insn) {
        if (insn != null) {
            out[n++] = insn;
        }
        return n;
    }
}
