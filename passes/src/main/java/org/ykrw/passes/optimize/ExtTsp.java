package org.ykrw.passes.optimize;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Edge;
import org.ykrw.core.ir.Function;

/**
 * A function's block order from its profile by the extended TSP score (Newell and Pupyrev, "Improved
 * Basic Block Reordering", IEEE Trans. Computers 2020; BOLT's -reorder-blocks=ext-tsp). An edge run
 * {@code w} times scores {@code w} when its target starts where its source ends (a fall-through),
 * {@code 0.1 w (1 - d/1024)} when it jumps d bytes forward, {@code 0.1 w (1 - d/640)} when it jumps d
 * bytes back, and nothing when farther: short jumps stay in the same cache lines and pages, and
 * forward ones are predicted not taken.
 *
 * <p>Every block that ran starts as a chain of its own. Repeatedly, of all pairs of chains joined by
 * an edge, the merge that raises the score most is made: X then Y, or X cut in two at any block with
 * Y put between or before the halves (X1 Y X2, Y X2 X1, X2 X1 Y; chains up to {@link #SPLIT_LIMIT}
 * blocks are cut), never moving the entry block from the front. It stops when no merge raises the
 * score. Chains are laid out entry chain first, then densest first (runs per byte), and the blocks
 * that never ran last in address order, as {@link BlockChains} does.
 */
final class ExtTsp {
    static final double FORWARD_WEIGHT = 0.1;
    static final double BACKWARD_WEIGHT = 0.1;
    static final int FORWARD_DISTANCE = 1024;
    static final int BACKWARD_DISTANCE = 640;
    /** Chains longer than this are only appended to, not cut: cutting costs a score evaluation a block. */
    static final int SPLIT_LIMIT = 128;
    private static final double EPSILON = 1e-9;

    private ExtTsp() {
    }

    /** @return the score of a jump from a block ending at {@code sourceEnd} to one starting at {@code targetStart} */
    static double edgeScore(long count, long sourceEnd, long targetStart) {
        if (sourceEnd == targetStart) {
            return count;
        }
        if (targetStart > sourceEnd) {
            long d = targetStart - sourceEnd;
            return d <= FORWARD_DISTANCE ? FORWARD_WEIGHT * count * (1.0 - (double) d / FORWARD_DISTANCE) : 0;
        }
        long d = sourceEnd - targetStart;
        return d <= BACKWARD_DISTANCE ? BACKWARD_WEIGHT * count * (1.0 - (double) d / BACKWARD_DISTANCE) : 0;
    }

    /** @return f's blocks in their new order, its entry block first */
    static List<Block> order(Function f, BlockProfile profile) {
        return new Solver(f, profile).solve();
    }

    /** An edge between two blocks (their numbers in the function) and how often it ran. */
    private record Arc(int from, int to, long count) {
    }

    /** Blocks laid out one after the other, with the edges inside it and to each neighbouring chain. */
    private static final class Chain {
        final int id;
        int[] blocks;
        long runs;
        long bytes;
        double score;
        final List<Arc> inside = new ArrayList<>();
        /** Neighbouring chain -> the edges between the two, either way; insertion order for determinism. */
        final Map<Chain, List<Arc>> between = new LinkedHashMap<>();

        Chain(int id, int block, long runs, long bytes) {
            this.id = id;
            this.blocks = new int[] {block};
            this.runs = runs;
            this.bytes = bytes;
        }

        double density() {
            return (double) runs / Math.max(1, bytes);
        }
    }

    /** The best way found to merge two chains: the new block sequence and how much it raises the score. */
    private record Merge(int[] blocks, double gain) {
    }

    private static final class Solver {
        private final List<Block> blocks;
        private final long[] size;
        private final long[] runs;
        private final int entry;
        private final long[] start;   // scratch: a block's offset in the sequence being scored
        private final List<Chain> chains = new ArrayList<>();
        private final Map<Long, Merge> cache = new HashMap<>();

        Solver(Function f, BlockProfile profile) {
            this.blocks = f.blocks();
            int n = blocks.size();
            size = new long[n];
            runs = new long[n];
            start = new long[n];
            int e = 0;
            for (int i = 0; i < n; i++) {
                Block b = blocks.get(i);
                size[i] = b.size();
                runs[i] = profile.count(b);
                if (b.address() == f.entryAddress()) {
                    e = i;
                }
            }
            entry = e;
            Map<Block, Integer> number = new IdentityHashMap<>();
            for (int i = 0; i < n; i++) {
                number.put(blocks.get(i), i);
            }
            // 1. one chain per block that ran (or that a run edge touches), the entry's among them
            Chain[] chainOf = new Chain[n];
            List<Arc> arcs = new ArrayList<>();
            for (Map.Entry<Edge, Long> w : EdgeWeights.of(f, profile).entrySet()) {
                int from = number.get(w.getKey().from());
                Integer to = number.get(w.getKey().to());
                if (w.getValue() > 0 && to != null && to != from) {
                    arcs.add(new Arc(from, to, w.getValue()));
                }
            }
            arcs.sort(Comparator.comparingInt(Arc::from).thenComparingInt(Arc::to));
            for (int i = 0; i < n; i++) {
                if (runs[i] > 0 || i == entry) {
                    chainOf[i] = newChain(i);
                }
            }
            for (Arc a : arcs) {
                Chain x = chainOf[a.from()] != null ? chainOf[a.from()] : (chainOf[a.from()] = newChain(a.from()));
                Chain y = chainOf[a.to()] != null ? chainOf[a.to()] : (chainOf[a.to()] = newChain(a.to()));
                x.between.computeIfAbsent(y, k -> new ArrayList<>()).add(a);
                y.between.computeIfAbsent(x, k -> new ArrayList<>()).add(a);
            }
            chains.sort(Comparator.comparingInt(c -> c.blocks[0]));
        }

        private Chain newChain(int block) {
            Chain c = new Chain(chains.size(), block, runs[block], size[block]);
            chains.add(c);
            return c;
        }

        List<Block> solve() {
            // 2. merge the pair that gains most until none gains
            while (true) {
                Chain bestX = null;
                Chain bestY = null;
                Merge best = null;
                for (Chain x : chains) {
                    for (Chain y : x.between.keySet()) {
                        if (x.id >= y.id) {
                            continue;   // each pair once; bestMerge tries both orders
                        }
                        Merge m = cache.computeIfAbsent(key(x, y), k -> bestMerge(x, y));
                        if (m != null && (best == null || m.gain() > best.gain() + EPSILON)) {
                            best = m;
                            bestX = x;
                            bestY = y;
                        }
                    }
                }
                if (best == null || best.gain() <= EPSILON) {
                    break;
                }
                merge(bestX, bestY, best.blocks());
            }
            // 3. entry chain first, then densest first; blocks that never ran after, in address order
            Chain entryChain = null;
            for (Chain c : chains) {
                if (c.blocks[0] == entry) {
                    entryChain = c;
                }
            }
            Chain first = entryChain;
            List<Chain> sorted = new ArrayList<>(chains);
            sorted.sort(Comparator.<Chain>comparingInt(c -> c == first ? 0 : 1)
                    .thenComparing(Comparator.comparingDouble(Chain::density).reversed())
                    .thenComparingInt(c -> c.blocks[0]));
            boolean[] placed = new boolean[blocks.size()];
            List<Block> out = new ArrayList<>(blocks.size());
            for (Chain c : sorted) {
                for (int b : c.blocks) {
                    out.add(blocks.get(b));
                    placed[b] = true;
                }
            }
            for (int i = 0; i < blocks.size(); i++) {
                if (!placed[i]) {
                    out.add(blocks.get(i));
                }
            }
            return out;
        }

        private static long key(Chain x, Chain y) {
            return (long) Math.min(x.id, y.id) << 32 | Math.max(x.id, y.id);
        }

        /** @return the best of the merges of x and y that keep the entry block first, or null when none does */
        private Merge bestMerge(Chain x, Chain y) {
            List<Arc> arcs = new ArrayList<>(x.inside);
            arcs.addAll(y.inside);
            arcs.addAll(x.between.get(y));
            double base = x.score + y.score;
            Merge best = null;
            best = better(best, arcs, base, concat(x.blocks, y.blocks, null));
            best = better(best, arcs, base, concat(y.blocks, x.blocks, null));
            best = split(best, arcs, base, x, y);
            best = split(best, arcs, base, y, x);
            return best;
        }

        /** Tries x cut at each block with y between or before the halves. */
        private Merge split(Merge best, List<Arc> arcs, double base, Chain x, Chain y) {
            int n = x.blocks.length;
            if (n > SPLIT_LIMIT) {
                return best;
            }
            for (int cut = 1; cut < n; cut++) {
                int[] x1 = Arrays.copyOfRange(x.blocks, 0, cut);
                int[] x2 = Arrays.copyOfRange(x.blocks, cut, n);
                best = better(best, arcs, base, concat(x1, y.blocks, x2));
                best = better(best, arcs, base, concat(y.blocks, x2, x1));
                best = better(best, arcs, base, concat(x2, x1, y.blocks));
            }
            return best;
        }

        /** @return a, b and c (when not null) one after the other */
        private static int[] concat(int[] a, int[] b, int[] c) {
            int[] out = Arrays.copyOf(a, a.length + b.length + (c == null ? 0 : c.length));
            System.arraycopy(b, 0, out, a.length, b.length);
            if (c != null) {
                System.arraycopy(c, 0, out, a.length + b.length, c.length);
            }
            return out;
        }

        private Merge better(Merge best, List<Arc> arcs, double base, int[] sequence) {
            if (sequence[0] != entry && contains(sequence, entry)) {
                return best;
            }
            double gain = score(sequence, arcs) - base;
            return best == null || gain > best.gain() + EPSILON ? new Merge(sequence, gain) : best;
        }

        private static boolean contains(int[] sequence, int block) {
            for (int b : sequence) {
                if (b == block) {
                    return true;
                }
            }
            return false;
        }

        /** @return the score of the arcs with the blocks laid out in this sequence */
        private double score(int[] sequence, List<Arc> arcs) {
            long at = 0;
            for (int b : sequence) {
                start[b] = at;
                at += size[b];
            }
            double s = 0;
            for (Arc a : arcs) {
                s += edgeScore(a.count(), start[a.from()] + size[a.from()], start[a.to()]);
            }
            return s;
        }

        /** Makes y part of x, as the sequence says, and forgets the merges tried with either. */
        private void merge(Chain x, Chain y, int[] sequence) {
            for (Chain z : x.between.keySet()) {
                cache.remove(key(x, z));
            }
            for (Chain z : y.between.keySet()) {
                cache.remove(key(y, z));
            }
            x.inside.addAll(y.inside);
            x.inside.addAll(x.between.remove(y));
            y.between.remove(x);
            for (Map.Entry<Chain, List<Arc>> e : y.between.entrySet()) {
                Chain z = e.getKey();
                x.between.computeIfAbsent(z, k -> new ArrayList<>()).addAll(e.getValue());
                List<Arc> toY = z.between.remove(y);
                z.between.computeIfAbsent(x, k -> new ArrayList<>()).addAll(toY);
            }
            x.blocks = sequence;
            x.runs += y.runs;
            x.bytes += y.bytes;
            x.score = score(sequence, x.inside);
            chains.remove(y);
        }
    }
}
