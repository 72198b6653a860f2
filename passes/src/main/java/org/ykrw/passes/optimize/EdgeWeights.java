package org.ykrw.passes.optimize;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Edge;
import org.ykrw.core.ir.EdgeKind;
import org.ykrw.core.ir.Function;

/**
 * How often each edge inside a function ran, estimated from block counts alone (a counts profile has
 * no edge counters), in two steps.
 *
 * <p><b>Flow.</b> What enters a block leaves it. Where a block's runs all leave through its local edges
 * (it does not return, tail-call or jump to unknown code) and all but one of those edges are known, the
 * last one is what is left; likewise for the edges into a block that control can reach only through
 * them (not the function's entry, no code pointer aims at it). Each edge found this way can decide
 * another at its other end, so this repeats until nothing more follows: a block's only way on, a
 * block's only way in, a loop's back edge (its head's runs less its entries), and chains of those are
 * exact, as far as the block counts are.
 *
 * <p><b>Estimate.</b> An edge the flow leaves open (two blocks sharing two targets, say) gets what its
 * source has left, at most what its target can still take, its source's fall-through first: the
 * compiler made the likelier side fall through (with its own profile, in a PGO build), and when block
 * counts cannot tell two sides apart, keeping its choice costs no inverted branch.
 *
 * <p>Counts that do not add up (a call that never returned, a profile summed over runs of different
 * inputs is still consistent) only clamp: an edge never runs more often than either of its blocks,
 * nor less than never.
 */
final class EdgeWeights {
    private EdgeWeights() {
    }

    /** @return true for an edge that stays inside the function and can be laid out as a fall-through */
    static boolean isLocal(Edge e) {
        return e.to() != null && e.to().function() == e.from().function() && (e.kind() == EdgeKind.FALL_THROUGH || e.kind() == EdgeKind.BRANCH
                || e.kind() == EdgeKind.CONDITIONAL || e.kind() == EdgeKind.JUMP_TABLE);
    }

    /**
     * @return each local edge of f (one per source and target: a jump-table's repeated target, or a
     *     branch to the block it falls into, counts once) with its count, in block and successor order
     */
    static Map<Edge, Long> of(Function f, BlockProfile profile) {
        return new Solver(f, profile).solve();
    }

    /** The edges of one function as numbers, and what is known of each. */
    private static final class Solver {
        private final List<Block> blocks;
        private final long[] runs;
        private final List<Edge> edges = new ArrayList<>();
        private final List<Integer> source = new ArrayList<>();
        private final List<Integer> target = new ArrayList<>();
        private final List<List<Integer>> out = new ArrayList<>();
        private final List<List<Integer>> in = new ArrayList<>();
        /** Per block: all its runs leave through its local edges. */
        private final boolean[] leavesLocally;
        /** Per block: all its runs enter through its local edges. */
        private final boolean[] entersLocally;
        private long[] weight;
        private boolean[] known;

        Solver(Function f, BlockProfile profile) {
            blocks = f.blocks();
            int n = blocks.size();
            runs = new long[n];
            leavesLocally = new boolean[n];
            entersLocally = new boolean[n];
            Map<Block, Integer> number = new IdentityHashMap<>();
            for (int i = 0; i < n; i++) {
                number.put(blocks.get(i), i);
                runs[i] = profile.count(blocks.get(i));
                out.add(new ArrayList<>());
                in.add(new ArrayList<>());
            }
            for (int i = 0; i < n; i++) {
                Block b = blocks.get(i);
                boolean local = true;
                for (Edge e : b.successors()) {
                    Integer to = isLocal(e) ? number.get(e.to()) : null;
                    if (to == null) {
                        local &= e.kind() == EdgeKind.CALL;   // a call comes back to the fall-through
                    } else if (!connected(i, to)) {
                        out.get(i).add(edges.size());
                        in.get(to).add(edges.size());
                        edges.add(e);
                        source.add(i);
                        target.add(to);
                    }
                }
                leavesLocally[i] = local && !out.get(i).isEmpty();
            }
            for (int i = 0; i < n; i++) {
                Block b = blocks.get(i);
                boolean local = b.address() != f.entryAddress() && !b.isIndirectTarget();
                for (Edge e : b.predecessors()) {
                    local &= isLocal(e) && number.containsKey(e.from());
                }
                entersLocally[i] = local;
            }
        }

        private boolean connected(int from, int to) {
            for (int e : out.get(from)) {
                if (target.get(e) == to) {
                    return true;
                }
            }
            return false;
        }

        Map<Edge, Long> solve() {
            weight = new long[edges.size()];
            known = new boolean[edges.size()];
            flow();
            estimate();
            Map<Edge, Long> result = new LinkedHashMap<>();
            for (int e = 0; e < edges.size(); e++) {
                result.put(edges.get(e), weight[e]);
            }
            return result;
        }

        /** Settles every edge that is the last unknown one out of or into a block whose flow is exact. */
        private void flow() {
            ArrayDeque<Integer> work = new ArrayDeque<>();
            for (int i = 0; i < blocks.size(); i++) {
                work.add(i);
            }
            while (!work.isEmpty()) {
                int b = work.poll();
                if (leavesLocally[b]) {
                    settleLast(b, out.get(b), work);
                }
                if (entersLocally[b]) {
                    settleLast(b, in.get(b), work);
                }
            }
        }

        private void settleLast(int b, List<Integer> side, ArrayDeque<Integer> work) {
            int open = -1;
            long rest = runs[b];
            for (int e : side) {
                if (known[e]) {
                    rest -= weight[e];
                } else if (open >= 0) {
                    return;   // two or more open: nothing follows yet
                } else {
                    open = e;
                }
            }
            if (open >= 0) {
                set(open, rest);
                work.add(source.get(open));
                work.add(target.get(open));
            }
        }

        private void set(int e, long w) {
            weight[e] = Math.max(0, Math.min(w, Math.min(runs[source.get(e)], runs[target.get(e)])));
            known[e] = true;
        }

        /** Gives the open edges what their sources have left, fall-throughs first. */
        private void estimate() {
            long[] canTake = runs.clone();
            for (int e = 0; e < edges.size(); e++) {
                if (known[e]) {
                    canTake[target.get(e)] -= weight[e];
                }
            }
            for (int b = 0; b < blocks.size(); b++) {
                long left = runs[b];
                List<Integer> open = new ArrayList<>();
                for (int e : out.get(b)) {
                    if (known[e]) {
                        left -= weight[e];
                    } else {
                        open.add(e);
                    }
                }
                open.sort(Comparator.comparingInt(e -> edges.get(e).kind() == EdgeKind.FALL_THROUGH ? 0 : 1));
                for (int e : open) {
                    int to = target.get(e);
                    set(e, Math.min(left, canTake[to]));
                    left -= weight[e];
                    canTake[to] -= weight[e];
                }
            }
        }
    }
}
