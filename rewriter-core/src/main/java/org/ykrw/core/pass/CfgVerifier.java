package org.ykrw.core.pass;

import java.util.List;
import java.util.function.Predicate;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Edge;
import org.ykrw.core.ir.EdgeKind;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;

/**
 * Checks the invariants layout and the output rewriters rely on, so that a pass that breaks one is
 * named at once instead of showing up as a wrong output (BOLT's verify-after-each-pass):
 * <ol>
 *   <li>functions and blocks are numbered densely in list order, and each block names its function;</li>
 *   <li>a function's blocks start in increasing address order and lie inside the function's range
 *       (two may overlap: glibc jumps over a {@code lock} prefix into the instruction it prefixes);</li>
 *   <li>every edge leaves the block that lists it, and an edge that enters a block is one of that
 *       block's predecessors (and the other way round), with the entered block's address as its
 *       target; an edge that enters no block goes to an address outside the program's blocks (a
 *       stub, an unknown target) or is a return or an unresolved indirect jump;</li>
 *   <li>probes are only in functions that move (others are never written anew), unless the
 *       rewrite accepts losing them.</li>
 * </ol>
 */
public final class CfgVerifier {
    private final Predicate<Function> mayHoldProbes;

    /**
     * @param mayHoldProbes which functions may hold probes (those that move; every one when the
     *     rewrite drops lost probes)
     */
    public CfgVerifier(Predicate<Function> mayHoldProbes) {
        this.mayHoldProbes = mayHoldProbes;
    }

    /**
     * @param program the program to check
     * @param after the pass that just ran, for the message
     * @throws IrVerificationException naming the first broken invariant
     */
    public void verify(Program program, String after) {
        String broken = firstBroken(program);
        if (broken != null) {
            throw new IrVerificationException(after, broken);
        }
    }

    /** @return the first broken invariant, in one line, or null when all hold */
    public String firstBroken(Program program) {
        List<Function> functions = program.functions();
        for (int i = 0; i < functions.size(); i++) {
            Function f = functions.get(i);
            if (f.index() != i) {
                return "function " + f.name() + " is number " + i + " of the program but has index " + f.index();
            }
            String broken = checkFunction(program, f);
            if (broken != null) {
                return broken;
            }
        }
        return null;
    }

    private String checkFunction(Program program, Function f) {
        List<Block> blocks = f.blocks();
        boolean probes = !f.entryProbes().isEmpty();
        for (int i = 0; i < blocks.size(); i++) {
            Block b = blocks.get(i);
            if (b.index() != i) {
                return "block " + b.label() + " is number " + i + " of " + f.name() + " but has index " + b.index();
            }
            if (b.function() != f) {
                return "block " + b.label() + " is listed by " + f.name() + " but belongs to " + b.function().name();
            }
            if (i > 0 && blocks.get(i - 1).address() >= b.address()) {
                return String.format("blocks %s and %s of %s are out of address order",
                        blocks.get(i - 1).label(), b.label(), f.name());
            }
            if (b.address() < f.entryAddress() || b.endAddress() > f.endAddress()) {
                return String.format("block %s [0x%x, 0x%x) lies outside its function %s [0x%x, 0x%x)", b.label(),
                        b.address(), b.endAddress(), f.name(), f.entryAddress(), f.endAddress());
            }
            String broken = checkEdges(program, b);
            if (broken != null) {
                return broken;
            }
            probes |= b.hasProbes();
        }
        if (probes && !mayHoldProbes.test(f)) {
            return "probes in " + f.name() + ", which stays in place (they would never run)";
        }
        return null;
    }

    private static String checkEdges(Program program, Block b) {
        for (Edge e : b.successors()) {
            if (e.from() != b) {
                return "block " + b.label() + " lists edge " + e + " among its successors, which leaves another block";
            }
            Block to = e.to();
            if (to == null) {
                Block there = e.targetAddress() >= 0 ? program.blockAt(e.targetAddress()) : null;
                if (there != null && e.kind() != EdgeKind.CALL && e.kind() != EdgeKind.TAIL_CALL) {
                    return "edge " + e + " enters no block, but block " + there.label() + " starts at its target";
                }
                if (e.targetAddress() < 0 && e.kind() != EdgeKind.RETURN && e.kind() != EdgeKind.INDIRECT
                        && e.kind() != EdgeKind.TAIL_CALL) {
                    return "edge " + e + " has neither a block nor an address as its target";
                }
                continue;
            }
            if (!isBlockOf(program, to)) {
                return "edge " + e + " enters block " + to.label() + ", which is no block of the program";
            }
            if (to.address() != e.targetAddress()) {
                return String.format("edge %s targets 0x%x but enters block %s at 0x%x", e, e.targetAddress(),
                        to.label(), to.address());
            }
            if (!to.predecessors().contains(e)) {
                return "edge " + e + " is missing from the predecessors of " + to.label();
            }
        }
        for (Edge e : b.predecessors()) {
            if (e.to() != b) {
                return "block " + b.label() + " lists edge " + e + " among its predecessors, which enters another block";
            }
            if (!e.from().successors().contains(e)) {
                return "edge " + e + " is missing from the successors of " + e.from().label();
            }
        }
        return null;
    }

    private static boolean isBlockOf(Program program, Block b) {
        Function f = b.function();
        return f != null && f.index() >= 0 && f.index() < program.functions().size()
                && program.functions().get(f.index()) == f && b.index() >= 0 && b.index() < f.blocks().size()
                && f.blocks().get(b.index()) == b;
    }
}
