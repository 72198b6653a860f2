package org.ykrw.core.layout;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import org.ykrw.core.ir.Function;

/**
 * Old instruction address -> new address of the first byte emitted for it (the first copy, where
 * overlapping functions emit one instruction twice). Lookups are on primitive longs; {@link #asMap()}
 * is a read-only view for callers that want a {@link Map}, made without copying.
 */
public final class InstructionMap {
    /** What {@link #get} returns for an instruction that did not move. */
    public static final long ABSENT = Long.MIN_VALUE;

    private final LayoutPlan plan;
    private final AddressIndex index;
    private final long[] newAddress;
    private final Map<Function, Integer> position;

    /**
     * @param plan what the layout emits
     * @param newAddress new address by instruction position (filled by the layout; read only after it is done)
     * @param position each function's position in the plan
     */
    InstructionMap(LayoutPlan plan, long[] newAddress, Map<Function, Integer> position) {
        this.plan = plan;
        this.index = plan.insnIndex;
        this.newAddress = newAddress;
        this.position = position;
    }

    /** @return the new address of the instruction at {@code old}, or {@link #ABSENT} */
    public long get(long old) {
        int i = index.get(old);
        return i == AddressIndex.ABSENT ? ABSENT : newAddress[i];
    }

    /**
     * @param f a function of the layout
     * @return the number of its instructions, as {@link #addressesOf} writes them
     */
    public int count(Function f) {
        return plan.firstInsn[position(f) + 1] - plan.firstInsn[position(f)];
    }

    /**
     * Writes, for each instruction of a laid-out function in the order of its blocks and their
     * instructions, its input address and what {@link #get} gives for it, read in order without a
     * lookup each (the unwind rewriter asks this for every moved instruction).
     *
     * @param f a function of the layout
     * @param olds receives the input addresses, from index 0 ({@link #count} of them)
     * @param news receives the new addresses
     */
    public void addressesOf(Function f, long[] olds, long[] news) {
        int from = plan.firstInsn[position(f)];
        int n = count(f);
        System.arraycopy(plan.insnOld, from, olds, 0, n);
        for (int k = 0; k < n; k++) {
            int i = from + k;
            news[k] = newAddress[plan.repeated[i] ? index.get(plan.insnOld[i]) : i];
        }
    }

    private int position(Function f) {
        Integer fn = position.get(f);
        if (fn == null) {
            throw new IllegalArgumentException(f + " is not in the layout");
        }
        return fn;
    }

    /** @return the number of instructions mapped */
    public int size() {
        return index.size();
    }

    /** @return the mapping as an unmodifiable {@link Map} view */
    public Map<Long, Long> asMap() {
        return new AbstractMap<>() {
            @Override
            public Long get(Object key) {
                long n = key instanceof Long k ? InstructionMap.this.get(k) : ABSENT;
                return n == ABSENT ? null : n;
            }

            @Override
            public boolean containsKey(Object key) {
                return get(key) != null;
            }

            @Override
            public int size() {
                return index.size();
            }

            @Override
            public Set<Entry<Long, Long>> entrySet() {
                return new AbstractSet<>() {
                    @Override
                    public Iterator<Entry<Long, Long>> iterator() {
                        return new Entries();
                    }

                    @Override
                    public int size() {
                        return index.size();
                    }
                };
            }
        };
    }

    /** Walks the index's used slots. */
    private final class Entries implements Iterator<Map.Entry<Long, Long>> {
        private int slot = advance(0);

        private int advance(int from) {
            int i = from;
            while (i < index.capacity() && !index.used(i)) {
                i++;
            }
            return i;
        }

        @Override
        public boolean hasNext() {
            return slot < index.capacity();
        }

        @Override
        public Map.Entry<Long, Long> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Map.Entry<Long, Long> e = Map.entry(index.keyAt(slot), newAddress[index.valueAt(slot)]);
            slot = advance(slot + 1);
            return e;
        }
    }
}
