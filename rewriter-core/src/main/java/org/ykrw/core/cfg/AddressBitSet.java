package org.ykrw.core.cfg;

import com.carrotsearch.hppc.LongHashSet;
import java.util.Arrays;

/**
 * A set of code addresses of one function, as a bit per byte from the function's range start (as
 * {@link InsnMap} keeps its instructions): an eighth of a byte per code byte, where a hash table sized
 * for the range cost a byte per code byte and had to be filled with its empty marker. Addresses the
 * bits cannot hold (below the start, or more than {@link #DENSE_LIMIT} bytes above it) go to a hash set.
 */
final class AddressBitSet {
    /** Largest span (in bytes) the bits cover; beyond it, addresses go to {@link #far}. */
    private static final int DENSE_LIMIT = 1 << 24;
    /** Smallest span, for functions without an FDE to size it from. */
    private static final int MIN_DENSE = 256;

    private final long base;
    private long[] bits;
    /** addresses the bits cannot hold, or null while there is none */
    private LongHashSet far;
    private int size;

    /**
     * @param base the lowest address expected (the function's range start)
     * @param expectedSpan bytes the addresses are expected to span from {@code base}, or 0
     */
    AddressBitSet(long base, long expectedSpan) {
        this.base = base;
        long span = Math.min(Math.max(expectedSpan, MIN_DENSE), DENSE_LIMIT);
        this.bits = new long[(int) ((span + 63) >>> 6)];
    }

    /** @return true when {@code address} is in the set */
    boolean contains(long address) {
        long offset = address - base;
        if (offset >= 0 && offset < ((long) bits.length << 6)) {
            return (bits[(int) (offset >>> 6)] & (1L << offset)) != 0;
        }
        return far != null && far.contains(address);
    }

    /** @return true when {@code address} was not in the set before */
    boolean add(long address) {
        long offset = address - base;
        boolean added;
        if (offset >= 0 && offset < DENSE_LIMIT) {
            int word = (int) (offset >>> 6);
            if (word >= bits.length) {
                bits = Arrays.copyOf(bits, Math.max(2 * bits.length, word + 1));
            }
            added = (bits[word] & (1L << offset)) == 0;
            bits[word] |= 1L << offset;
        } else {
            if (far == null) {
                far = new LongHashSet();
            }
            added = far.add(address);
        }
        if (added) {
            size++;
        }
        return added;
    }

    /** @return number of addresses */
    int size() {
        return size;
    }
}
