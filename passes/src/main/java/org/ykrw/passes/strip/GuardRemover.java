package org.ykrw.passes.strip;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.ykrw.core.analysis.Liveness;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;
import org.ykrw.core.x86.FlowKind;
import org.ykrw.core.x86.Insn;
import org.ykrw.core.x86.Operand;
import org.ykrw.core.x86.Reg;

/**
 * Removes what guarded the tracing calls once they are gone: current ykllvm output tests the
 * thread-local byte {@code __yk_thread_tracing_state} before each call, so stripping the call leaves
 * {@code cmp byte fs:[r], 0; je skip} jumping over NOPs. Steps:
 * <ol>
 *   <li>a conditional branch whose two ways reach the same address through nothing but removed
 *       instructions, NOPs and direct jumps decides nothing: it goes;</li>
 *   <li>walking back from it inside its block, an instruction that only computes registers or flags
 *       (mov/movzx/lea/cmp/test with a register destination or none) whose results are all dead is
 *       removed too, which takes the test and the loads feeding it. Liveness comes from
 *       {@link Liveness} at the block's end; removals in other blocks are not chased (a leftover
 *       load is harmless).</li>
 * </ol>
 */
final class GuardRemover {
    /** Instructions without side effects beyond their register and flag results. */
    private static final Set<String> PURE = Set.of("mov", "movzx", "movsx", "movsxd", "lea", "cmp", "test");
    private static final int MAX_STEPS = 16;

    private final Program program;
    private final Set<Long> removed;
    private Liveness liveness;

    GuardRemover(Program program, Set<Long> removedAddresses) {
        this.program = program;
        this.removed = new HashSet<>(removedAddresses);
    }

    /**
     * @param skip functions left alone (the tracer, PLT stubs)
     * @param cuts where the removals are added
     * @return how many guard branches were removed
     */
    int removeGuards(Set<Long> skip, List<CallStripper.Cut> cuts) {
        int guards = 0;
        for (Function f : program.functions()) {
            if (f.isPlt() || skip.contains(f.entryAddress())) {
                continue;
            }
            for (Block b : f.blocks()) {
                Insn last = b.lastInstruction();
                if (last.flow() != FlowKind.COND_JUMP || !last.hasTarget()) {
                    continue;
                }
                Way taken = follow(last.target());
                Way notTaken = follow(last.end());
                // Only branches around removed code: others stay as the compiler wrote them.
                if (taken.to() != notTaken.to() || !(taken.overRemoved() || notTaken.overRemoved())) {
                    continue;
                }
                guards++;
                remove(b, b.instructionCount() - 1, cuts);
                if (liveness == null) {
                    liveness = Liveness.of(program);
                }
                removeDeadFeeders(b, cuts);
            }
        }
        return guards;
    }

    /** Where a way through the code ends up, and whether it passed over removed instructions. */
    private record Way(long to, boolean overRemoved) {
    }

    /** @return where control ends up from address a, passing over removed instructions, NOPs and jumps */
    private Way follow(long a) {
        boolean overRemoved = false;
        for (int step = 0; step < MAX_STEPS; step++) {
            Block b = program.blockContaining(a);
            Insn at = b == null ? null : instructionAt(b, a);
            if (at == null) {
                break;
            }
            if (removed.contains(at.address())) {
                overRemoved = true;
                a = at.end();
            } else if (at.isNop()) {
                a = at.end();
            } else if (at.flow() == FlowKind.JUMP && at.hasTarget()) {
                a = at.target();
            } else {
                break;
            }
        }
        return new Way(a, overRemoved);
    }

    private static Insn instructionAt(Block b, long a) {
        for (Insn i : b.instructions()) {
            if (i.address() == a) {
                return i;
            }
        }
        return null;
    }

    private void removeDeadFeeders(Block b, List<CallStripper.Cut> cuts) {
        long live = liveness.liveOut(b);
        List<Insn> insns = b.instructions();
        for (int k = insns.size() - 2; k >= 0; k--) {
            Insn i = insns.get(k);
            if (removed.contains(i.address())) {
                continue;
            }
            long out = i.regsWritten() | (i.modifiesFlags() ? Reg.bit(Reg.FLAGS) : 0);
            if (isPure(i) && (out & live) == 0) {
                remove(b, k, cuts);
                continue;
            }
            live = (live & ~i.regsWritten()) | i.regsRead();
        }
    }

    private static boolean isPure(Insn i) {
        if (!PURE.contains(i.mnemonic()) || i.flow() != FlowKind.SEQUENTIAL) {
            return false;
        }
        List<Operand> ops = i.operands();
        boolean writesMemory = !i.mnemonic().equals("cmp") && !i.mnemonic().equals("test")
                && !ops.isEmpty() && ops.get(0).kind() != Operand.Kind.REG;
        boolean writesStack = (i.regsWritten() & Reg.bit(Reg.RSP)) != 0;
        return !writesMemory && !writesStack;
    }

    private void remove(Block b, int k, List<CallStripper.Cut> cuts) {
        removed.add(b.instruction(k).address());
        cuts.add(new CallStripper.Cut(b, k));
    }
}
