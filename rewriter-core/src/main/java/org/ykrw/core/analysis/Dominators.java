package org.ykrw.core.analysis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Edge;
import org.ykrw.core.ir.EdgeKind;
import org.ykrw.core.ir.Function;

/**
 * Dominators of one function's blocks: block D dominates block B when every way into B from outside
 * the function's own edges passes through D first. "Outside" is a virtual root with an edge to every
 * block control can reach without an edge of the function: its entry, landing pads, jump-table targets
 * and code pointers ({@link Block#isIndirectTarget()}), and any block another function's edge enters.
 * Edges are those that stay inside the function (fall-through, branches, jump-table targets); calls are
 * taken to come back to the instruction after them, inside the same block.
 *
 * <p>The iterative algorithm of Cooper, Harvey and Kennedy ("A Simple, Fast Dominance Algorithm", 2001)
 * over reverse postorder. Blocks no root reaches have no dominator ({@link #isReachable} is false).
 */
public final class Dominators {
    private static final int UNDEFINED = -1;

    /** Immediate dominator per block index; the virtual root is {@code n}, its own dominator. */
    private final int[] idom;
    /** Position in reverse postorder per block index (the root is 0); {@link #UNDEFINED} when unreachable. */
    private final int[] order;

    private Dominators(int[] idom, int[] order) {
        this.idom = idom;
        this.order = order;
    }

    /**
     * @param f a function with a built CFG
     * @return its dominators
     */
    public static Dominators of(Function f) {
        List<Block> blocks = f.blocks();
        int n = blocks.size();
        int root = n;
        List<List<Integer>> succ = new ArrayList<>(n + 1);
        List<List<Integer>> pred = new ArrayList<>(n + 1);
        for (int i = 0; i <= n; i++) {
            succ.add(new ArrayList<>(2));
            pred.add(new ArrayList<>(2));
        }
        for (Block b : blocks) {
            boolean fromOutside = b.isIndirectTarget();
            for (Edge e : b.predecessors()) {
                fromOutside |= e.from().function() != f;
            }
            if (fromOutside) {
                link(succ, pred, root, b.index());
            }
            for (Edge e : b.successors()) {
                if (staysInside(f, e)) {
                    link(succ, pred, b.index(), e.to().index());
                }
            }
        }
        // 1. reverse postorder from the root, by an explicit stack (functions can have thousands of blocks)
        int[] post = new int[n + 1];
        int[] order = new int[n + 1];
        Arrays.fill(order, UNDEFINED);
        boolean[] seen = new boolean[n + 1];
        int count = 0;
        int[] stackNode = new int[n + 1];
        int[] stackNext = new int[n + 1];
        int top = 0;
        stackNode[0] = root;
        seen[root] = true;
        while (top >= 0) {
            int v = stackNode[top];
            if (stackNext[top] < succ.get(v).size()) {
                int w = succ.get(v).get(stackNext[top]++);
                if (!seen[w]) {
                    seen[w] = true;
                    top++;
                    stackNode[top] = w;
                    stackNext[top] = 0;
                }
            } else {
                post[count++] = v;
                top--;
            }
        }
        int[] rpo = new int[count];
        for (int i = 0; i < count; i++) {
            rpo[i] = post[count - 1 - i];
            order[rpo[i]] = i;
        }
        // 2. iterate to the fixed point: each node's idom is the common ancestor of its processed predecessors
        int[] idom = new int[n + 1];
        Arrays.fill(idom, UNDEFINED);
        idom[root] = root;
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int i = 1; i < count; i++) {
                int v = rpo[i];
                int best = UNDEFINED;
                for (int p : pred.get(v)) {
                    if (idom[p] != UNDEFINED) {
                        best = best == UNDEFINED ? p : intersect(idom, order, p, best);
                    }
                }
                if (idom[v] != best) {
                    idom[v] = best;
                    changed = true;
                }
            }
        }
        return new Dominators(idom, order);
    }

    private static void link(List<List<Integer>> succ, List<List<Integer>> pred, int from, int to) {
        if (!succ.get(from).contains(to)) {
            succ.get(from).add(to);
            pred.get(to).add(from);
        }
    }

    private static int intersect(int[] idom, int[] order, int a, int b) {
        while (a != b) {
            while (order[a] > order[b]) {
                a = idom[a];
            }
            while (order[b] > order[a]) {
                b = idom[b];
            }
        }
        return a;
    }

    /**
     * @param f the function
     * @param e one of its blocks' outgoing edges
     * @return true when the edge goes to a block of f without leaving it (no call, return or tail call)
     */
    public static boolean staysInside(Function f, Edge e) {
        boolean local = e.kind() == EdgeKind.FALL_THROUGH || e.kind() == EdgeKind.BRANCH
                || e.kind() == EdgeKind.CONDITIONAL || e.kind() == EdgeKind.JUMP_TABLE;
        return local && e.to() != null && e.to().function() == f;
    }

    /** @return true when some root reaches the block (its dominators are known) */
    public boolean isReachable(Block b) {
        return order[b.index()] != UNDEFINED;
    }

    /**
     * @param d a block
     * @param b a block of the same function
     * @return true when d dominates b (every block dominates itself); false when either is unreachable
     */
    public boolean dominates(Block d, Block b) {
        if (!isReachable(d) || !isReachable(b)) {
            return false;
        }
        int root = idom.length - 1;
        int x = b.index();
        while (true) {
            if (x == d.index()) {
                return true;
            }
            if (x == root) {
                return false;
            }
            x = idom[x];
        }
    }
}
