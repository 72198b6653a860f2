package org.ykrw.coverage;

import org.ykrw.core.blockmap.BlockMap;
import org.ykrw.core.blockmap.BlockMap.MappedBlock;
import org.ykrw.core.blockmap.BlockMap.MappedFunction;

/**
 * Fills in the blocks whose probe the instrumenter pruned (docs/FORMATS.md section 1): such a block
 * lists the blocks of its function that imply it, and it ran exactly as often as they did together.
 * For counts that is their sum (the instrumenter only prunes where every pass through the block goes
 * to exactly one of them, or comes from exactly one); for run/not-run data, whether any of them ran.
 * Implying blocks may be pruned themselves; {@link BlockMap} has checked that the chains end in probes.
 */
final class ImpliedCounts {
    private ImpliedCounts() {
    }

    /**
     * @param map the block map
     * @param counts per probe
     * @param hasCounts true for execution counts, false for run/not-run
     * @return per function and block, the count of each implied block (0 elsewhere)
     */
    static long[][] of(BlockMap map, long[] counts, boolean hasCounts) {
        long[][] out = new long[map.functions().size()][];
        for (MappedFunction f : map.functions()) {
            long[] fn = new long[f.blocks().size()];
            boolean[] done = new boolean[fn.length];
            for (MappedBlock b : f.blocks()) {
                if (b.isImplied()) {
                    resolve(f, b.index(), counts, hasCounts, fn, done);
                }
            }
            out[f.index()] = fn;
        }
        return out;
    }

    /** Resolves one implied block after the implied blocks it depends on, without recursion (chains can be long). */
    private static void resolve(MappedFunction f, int start, long[] counts, boolean hasCounts, long[] fn, boolean[] done) {
        java.util.ArrayDeque<Integer> stack = new java.util.ArrayDeque<>();
        stack.push(start);
        while (!stack.isEmpty()) {
            int i = stack.peek();
            if (done[i]) {
                stack.pop();
                continue;
            }
            boolean ready = true;
            for (int w : f.blocks().get(i).impliedBy()) {
                if (f.blocks().get(w).isImplied() && !done[w]) {
                    stack.push(w);
                    ready = false;
                }
            }
            if (!ready) {
                continue;
            }
            long sum = 0;
            for (int w : f.blocks().get(i).impliedBy()) {
                MappedBlock wb = f.blocks().get(w);
                long c = wb.hasProbe() ? counts[wb.probe()] : wb.isImplied() ? fn[w] : 0;
                // counts wrap as the 64-bit counters do; run/not-run data only says "ran"
                sum = hasCounts ? sum + c : (sum != 0 || c != 0 ? 1 : 0);
            }
            fn[i] = sum;
            done[i] = true;
            stack.pop();
        }
    }
}
