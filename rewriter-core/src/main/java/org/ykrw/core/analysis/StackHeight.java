package org.ykrw.core.analysis;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Edge;
import org.ykrw.core.ir.EdgeKind;
import org.ykrw.core.ir.Function;
import org.ykrw.core.x86.Insn;
import org.ykrw.core.x86.Operand;
import org.ykrw.core.x86.Reg;

/**
 * Where the stack pointer stands relative to its value at the function's entry, as far as it can be
 * proved along the function's CFG (push/pop, add/sub/lea of constants, a frame pointer copied from it
 * and back, {@code leave}). An indirect jump can be a tail call only when the return address is on top,
 * that is, with the stack pointer at its entry value; one made with anything else on the stack is a
 * jump inside the function (a switch or a computed goto whose table the analysis did not find).
 */
public final class StackHeight {
    private StackHeight() {
    }

    /** A height not known (different on two paths, or set from something untracked). */
    public static final long UNKNOWN = Long.MIN_VALUE;

    /** State at a point: rsp and rbp as offsets from the entry value of rsp. */
    private record State(long rsp, long rbp) {
        State merge(State o) {
            return new State(rsp == o.rsp ? rsp : UNKNOWN, rbp == o.rbp ? rbp : UNKNOWN);
        }
    }

    /**
     * @param f a function with its CFG
     * @param jumpAddress address of an indirect jump that ends one of its blocks
     * @return the stack pointer at the jump minus its value at the entry, the same on every path from
     *         the entry the CFG knows, or {@link #UNKNOWN} (a block entered only from outside the
     *         function, such as a landing pad, has no known height; nor has a jump no path from the
     *         entry reaches). Positive in a fragment entered by a jump from its parent ({@code .cold}),
     *         which pops the parent's frame.
     */
    public static long atJump(Function f, long jumpAddress) {
        Block entry = null;  // not entryBlock(): a function of damaged input may have no block there
        Block jumpBlock = null;
        for (Block b : f.blocks()) {
            if (b.address() == f.entryAddress()) {
                entry = b;
            }
            if (b.lastInstruction().address() == jumpAddress) {
                jumpBlock = b;
            }
        }
        if (entry == null || jumpBlock == null) {
            return UNKNOWN;
        }
        Map<Block, State> in = new HashMap<>();
        ArrayDeque<Block> work = new ArrayDeque<>();
        in.put(entry, new State(0, UNKNOWN));
        work.add(entry);
        while (!work.isEmpty()) {
            Block b = work.poll();
            State s = in.get(b);
            for (Insn i : b.instructions()) {
                if (i.address() == jumpAddress) {
                    break;
                }
                s = step(s, i);
            }
            for (Edge e : b.successors()) {
                Block to = e.to();
                if (to == null || to.function() != f || !flowsOn(e.kind())) {
                    continue;
                }
                State old = in.get(to);
                State merged = old == null ? s : old.merge(s);
                if (!merged.equals(old)) {
                    in.put(to, merged);
                    work.add(to);
                }
            }
        }
        State at = in.get(jumpBlock);
        if (at == null) {
            return UNKNOWN;
        }
        List<Insn> insns = jumpBlock.instructions();
        for (Insn i : insns) {
            if (i.address() == jumpAddress) {
                break;
            }
            at = step(at, i);
        }
        return at.rsp;
    }

    private static boolean flowsOn(EdgeKind k) {
        return k == EdgeKind.FALL_THROUGH || k == EdgeKind.BRANCH || k == EdgeKind.CONDITIONAL
                || k == EdgeKind.JUMP_TABLE;
    }

    /** @return the state after {@code i} */
    static State step(State s, Insn i) {
        String m = i.mnemonic();
        List<Operand> ops = i.operands();
        long rsp = s.rsp;
        long rbp = s.rbp;
        if (m.equals("push") || m.startsWith("pushf")) {
            return new State(add(rsp, -operandBytes(m, ops)), rbp);
        }
        if (m.equals("pop") || m.startsWith("popf")) {
            boolean toRbp = !ops.isEmpty() && ops.get(0).kind() == Operand.Kind.REG && ops.get(0).reg() == Reg.RBP;
            return new State(add(rsp, operandBytes(m, ops)), toRbp ? UNKNOWN : rbp);
        }
        if (m.equals("leave")) {
            return new State(add(rbp, 8), UNKNOWN);
        }
        if (i.flow() == org.ykrw.core.x86.FlowKind.CALL || i.flow() == org.ykrw.core.x86.FlowKind.INDIRECT_CALL) {
            return s;  // the callee takes its return address off again
        }
        boolean writesRsp = (i.regsWritten() & Reg.bit(Reg.RSP)) != 0 || writes(ops, Reg.RSP);
        boolean writesRbp = (i.regsWritten() & Reg.bit(Reg.RBP)) != 0 || writes(ops, Reg.RBP);
        if (!writesRsp && !writesRbp) {
            return s;
        }
        if (ops.size() == 2 && ops.get(0).kind() == Operand.Kind.REG && ops.get(0).size() == 8) {
            int dst = ops.get(0).reg();
            Operand src = ops.get(1);
            long base = dst == Reg.RSP ? rsp : rbp;
            long value = UNKNOWN;
            if ((m.equals("add") || m.equals("sub")) && src.kind() == Operand.Kind.IMM) {
                value = add(base, m.equals("add") ? src.imm() : -src.imm());
            } else if (m.equals("mov") && src.kind() == Operand.Kind.REG) {
                value = src.reg() == Reg.RSP ? rsp : src.reg() == Reg.RBP ? rbp : UNKNOWN;
            } else if (m.equals("lea") && src.kind() == Operand.Kind.MEM && src.mem().index() == Reg.NONE
                    && src.mem().segment() == org.ykrw.core.x86.MemOperand.SEG_NONE) {
                int r = src.mem().base();
                value = add(r == Reg.RSP ? rsp : r == Reg.RBP ? rbp : UNKNOWN, src.mem().disp());
            }
            if (dst == Reg.RSP) {
                return new State(value, writesRbp ? UNKNOWN : rbp);
            }
            if (dst == Reg.RBP) {
                return new State(writesRsp ? UNKNOWN : rsp, value);
            }
        }
        return new State(writesRsp ? UNKNOWN : rsp, writesRbp ? UNKNOWN : rbp);
    }

    private static boolean writes(List<Operand> ops, int reg) {
        for (Operand o : ops) {
            if (o.kind() == Operand.Kind.REG && o.reg() == reg && o.written()) {
                return true;
            }
        }
        return false;
    }

    /** @return bytes a push or pop moves the stack pointer by (pushw/popw and 16-bit operands: 2) */
    private static long operandBytes(String m, List<Operand> ops) {
        if (m.endsWith("w") || !ops.isEmpty() && ops.get(0).size() == 2) {
            return 2;
        }
        return 8;
    }

    private static long add(long v, long d) {
        return v == UNKNOWN ? UNKNOWN : v + d;
    }
}
