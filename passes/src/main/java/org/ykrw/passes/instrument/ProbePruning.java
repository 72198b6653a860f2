package org.ykrw.passes.instrument;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ykrw.core.analysis.Dominators;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Edge;
import org.ykrw.core.ir.EdgeKind;
import org.ykrw.core.ir.Function;
import org.ykrw.core.x86.FlowKind;
import org.ykrw.core.x86.Insn;

/**
 * Chooses the blocks of a function that need no probe because other blocks' probes say how often they
 * ran (docs/FORMATS.md section 1, docs/RUNTIME.md "Pruned probes"). For counts, two local forms of
 * dominance and post-dominance that are exact for counts as well as for run/not-run:
 *
 * <ol>
 *   <li><b>by its successors</b>: a block B that is left only through edges to blocks of its own function,
 *       each of which is entered from B alone (B dominates each of them, and they are all it goes to).
 *       Every pass through B enters exactly one of them, and every entry into one of them came from B,
 *       so B's count is the sum of theirs;</li>
 *   <li><b>by its predecessors</b>: a block J that is entered only through edges from blocks of its
 *       function that can go nowhere but to J (J post-dominates each of them, and they are all that
 *       reaches it). J's count is the sum of theirs.</li>
 * </ol>
 *
 * <p>For run/not-run coverage, rule 1 is widened to dominance: a clean block B whose successors are all
 * dominated by B ({@link Dominators}) ran exactly when one of them ran (one of them ran, so B ran before
 * it; B ran to its end, so it entered one of them). A successor that is B itself is left out of the list
 * when there are others: B then ran when one of those ran, as a loop that ends leaves through them.
 *
 * <p>"Every pass through B enters a successor" holds only for a block that runs to its end, so both rules
 * take into account only <em>clean</em> blocks: no call (a callee may exit, longjmp or throw), no
 * {@code syscall} or {@code int} (exit_group), no transaction begin, no trap, and no edge that leaves the
 * function or goes to unknown code. What is left is a thread stopped inside a clean block: by a signal (a
 * fault there, one sent from outside, or a handler that longjmps out); RUNTIME.md says what that can lose.
 * A block that control can reach through a pointer (entry, jump-table target, landing pad) may have
 * predecessors no edge shows, so it is never "entered from B alone" nor pruned by rule 2; a function with
 * an indirect jump whose targets are unknown is left fully probed. Where in doubt, a block keeps its probe.
 *
 * <p>A pruned block may be implied by blocks that are pruned themselves (chains); the choice never makes a
 * cycle, so every chain ends in probes.
 */
final class ProbePruning {
    private ProbePruning() {
    }

    /**
     * @param f a function with a built CFG
     * @param counts true when the implying blocks' counts must add up to the block's count (instrument
     *     --counts), false when it is enough that the block ran exactly when one of them ran
     * @return its blocks that need no probe, each with the blocks of f whose counts give its own; every
     *     other block needs one
     */
    static Map<Block, List<Block>> choose(Function f, boolean counts) {
        Map<Block, List<Block>> pruned = new LinkedHashMap<>();
        if (hasUnknownJump(f)) {
            return pruned;
        }
        Dominators dominators = counts ? null : Dominators.of(f);
        for (Block b : f.blocks()) {
            List<Block> by = counts ? bySuccessors(f, b) : byDominatedSuccessors(f, b, dominators);
            if (by == null || dependsOn(by, b, pruned)) {
                by = byPredecessors(f, b);
                if (by != null && dependsOn(by, b, pruned)) {
                    by = null;
                }
            }
            if (by != null) {
                pruned.put(b, by);
            }
        }
        return pruned;
    }

    private static boolean hasUnknownJump(Function f) {
        for (Block b : f.blocks()) {
            for (Edge e : b.successors()) {
                if (e.kind() == EdgeKind.INDIRECT) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Rule 1: the successors of a clean block, when each is entered from it alone; else null. */
    private static List<Block> bySuccessors(Function f, Block b) {
        if (!isClean(f, b)) {
            return null;
        }
        Set<Block> succs = distinctTargets(b);
        for (Block s : succs) {
            if (s == b || !isEnteredOnlyFrom(s, b)) {
                return null;
            }
        }
        return new ArrayList<>(succs);
    }

    /** Rule 1 for run/not-run: the successors of a clean block, when it dominates each; else null. */
    private static List<Block> byDominatedSuccessors(Function f, Block b, Dominators dominators) {
        if (!isClean(f, b) || !dominators.isReachable(b)) {
            return null;
        }
        Set<Block> succs = distinctTargets(b);
        if (succs.size() > 1) {
            succs.remove(b);
        }
        for (Block s : succs) {
            if (s == b || !dominators.dominates(b, s)) {
                return null;
            }
        }
        return new ArrayList<>(succs);
    }

    /** Rule 2: the predecessors of a block entered only through edges, each clean and going to it alone; else null. */
    private static List<Block> byPredecessors(Function f, Block j) {
        if (j.isIndirectTarget() || j.predecessors().isEmpty()) {
            return null;
        }
        Set<Block> preds = new LinkedHashSet<>();
        for (Edge e : j.predecessors()) {
            Block p = e.from();
            if (p == j || p.function() != f || !isClean(f, p) || !distinctTargets(p).equals(Set.of(j))) {
                return null;
            }
            preds.add(p);
        }
        return new ArrayList<>(preds);
    }

    /**
     * @return true when the block, once entered, certainly enters one of its successors in f: nothing in it
     *     can leave the function or stop the thread short of a signal (calls, system calls, traps), and its
     *     edges all go to blocks of f
     */
    static boolean isClean(Function f, Block b) {
        int n = b.instructionCount();
        for (int i = 0; i < n; i++) {
            Insn insn = b.instruction(i);
            FlowKind flow = insn.flow();
            boolean allowed = flow == FlowKind.SEQUENTIAL || i == n - 1 && (flow == FlowKind.JUMP
                    || flow == FlowKind.COND_JUMP || flow == FlowKind.INDIRECT_JUMP);
            if (!allowed || mayStopHere(insn)) {
                return false;
            }
        }
        if (b.successors().isEmpty()) {
            return false;
        }
        for (Edge e : b.successors()) {
            if (!Dominators.staysInside(f, e)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Instructions the decoder may call sequential that still need not go on to the next one: system calls
     * (exit_group), software interrupts and traps, and a transaction's begin (an abort resumes at its
     * fallback, which no edge shows).
     */
    private static boolean mayStopHere(Insn insn) {
        String m = insn.mnemonic();
        return m.equals("syscall") || m.equals("sysenter") || m.startsWith("int") || m.equals("xbegin")
                || m.equals("hlt") || m.startsWith("ud");
    }

    private static Set<Block> distinctTargets(Block b) {
        Set<Block> out = new LinkedHashSet<>();
        for (Edge e : b.successors()) {
            out.add(e.to());
        }
        return out;
    }

    /** @return true when every way into s is an edge from b (so s is no indirect target either) */
    private static boolean isEnteredOnlyFrom(Block s, Block b) {
        if (s.isIndirectTarget()) {
            return false;
        }
        for (Edge e : s.predecessors()) {
            if (e.from() != b) {
                return false;
            }
        }
        return true;
    }

    /** @return true when one of {@code by}, following the implications chosen so far, leads back to b */
    private static boolean dependsOn(List<Block> by, Block b, Map<Block, List<Block>> pruned) {
        ArrayDeque<Block> todo = new ArrayDeque<>(by);
        Set<Block> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            Block x = todo.pop();
            if (x == b) {
                return true;
            }
            List<Block> next = pruned.get(x);
            if (next != null && seen.add(x)) {
                todo.addAll(next);
            }
        }
        return false;
    }
}
