package org.ykrw.core.ir;

import java.util.List;

/**
 * A jump table found behind an indirect jump.
 *
 * @param kind how entries encode targets
 * @param tableAddress address of the first entry
 * @param entrySize 4 (relative) or 8 (absolute)
 * @param base the address RELATIVE entries are added to (the table address for gcc and clang)
 * @param targets one target per entry, in table order (duplicates kept; {@link #HOLE} for a slot no
 *     execution uses)
 * @param jumpAddress address of the indirect jump that uses the table
 * @param function the function holding the jump
 * @param widthBound whether the entry count comes from the index's width (a mask, a byte) rather
 *     than a compare: then the table may end earlier, where another table starts
 */
public record JumpTable(Kind kind, long tableAddress, int entrySize, long base, List<Long> targets, long jumpAddress,
        Function function, boolean widthBound) {
    /** Entry encodings. */
    public enum Kind {
        /** Signed 32-bit offsets from {@code base}: {@code lea base; movsxd; add; jmp}. */
        RELATIVE,
        /** 64-bit absolute addresses: {@code jmp [table + index*8]}. */
        ABSOLUTE
    }

    /**
     * The target of a slot no execution uses: clang points the slots of an unreachable default just
     * past the function's end. Such slots are left as they are.
     */
    public static final long HOLE = -1;

    /** @return the targets of the slots that hold code (no {@link #HOLE}s), duplicates kept */
    public List<Long> codeTargets() {
        return targets.stream().filter(t -> t != HOLE).toList();
    }

    /**
     * @return the targets of the slots that hold code, ascending, each once (as an array: the IR
     *     builder asks this of every table, where the boxed list cost a stream and a sorted set)
     */
    public long[] distinctCodeTargets() {
        long[] out = new long[targets.size()];
        int n = 0;
        for (int i = 0; i < targets.size(); i++) {
            long target = targets.get(i);
            if (target != HOLE) {
                out[n++] = target;
            }
        }
        java.util.Arrays.sort(out, 0, n);
        int distinct = 0;
        for (int i = 0; i < n; i++) {
            if (distinct == 0 || out[distinct - 1] != out[i]) {
                out[distinct++] = out[i];
            }
        }
        return java.util.Arrays.copyOf(out, distinct);
    }

    /** @return this table with only its first {@code count} entries */
    public JumpTable cut(int count) {
        return new JumpTable(kind, tableAddress, entrySize, base, targets.subList(0, count), jumpAddress, function,
                widthBound);
    }

    /** @return number of entries */
    public int entryCount() {
        return targets.size();
    }
}
