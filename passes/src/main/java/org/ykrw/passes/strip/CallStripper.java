package org.ykrw.passes.strip;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;
import org.ykrw.core.x86.FlowKind;
import org.ykrw.core.x86.Insn;
import org.ykrw.core.x86.Operand;
import org.ykrw.core.x86.Reg;

/**
 * Finds what stripping removes: calls to tracing functions that a compiler inserted (direct, through
 * the PLT, or through the GOT), the argument set-up that only fed them ({@code mov edi, imm} /
 * {@code mov esi, imm} / {@code xor edi, edi} in the same block, with nothing in between reading
 * those registers), and the tests that guarded them ({@link GuardRemover}). Removing them is safe
 * whether they become NOPs or are not emitted at all: the argument registers and flags are dead after
 * a call anyway (the ABI lets the callee clobber them). {@link StripPass} applies what this finds.
 */
final class CallStripper {
    /** Registers the tracing calls take their arguments in. */
    private static final long ARGUMENT_REGS = Reg.bit(Reg.RDI) | Reg.bit(Reg.RSI);

    private CallStripper() {
    }

    /**
     * One instruction to remove.
     *
     * @param block its block
     * @param index its position there
     */
    record Cut(Block block, int index) {
        /** @return the instruction */
        Insn insn() {
            return block.instruction(index);
        }
    }

    /**
     * What stripping found: the call sites, their argument set-up, the tests that guarded them, and
     * every instruction to remove; {@code tailCalls} are jumps to a tracing function that ends its
     * caller (gcc turns a last {@code call; ret} into {@code jmp}), which become {@code ret}.
     */
    record Result(int callSites, int argumentInstructions, int guards, List<Cut> cuts, List<Cut> tailCalls) {
    }

    /**
     * @param program the lifted CFG
     * @param targets where calls to the removed functions go
     * @return the sites found
     */
    static Result find(Program program, StripTargets targets) {
        List<Cut> cuts = new ArrayList<>();
        List<Cut> tailCalls = new ArrayList<>();
        int calls = 0;
        int args = 0;
        for (Function f : program.functions()) {
            if (f.isPlt() || targets.addresses().contains(f.entryAddress())) {
                continue;  // the tracer's own body stays as it is
            }
            for (Block b : f.blocks()) {
                List<Insn> insns = b.instructions();
                int blockCuts = cuts.size();  // b's cuts are the ones from here on
                for (int k = 0; k < insns.size(); k++) {
                    Insn i = insns.get(k);
                    boolean direct = i.flow() == FlowKind.CALL && targets.addresses().contains(i.target());
                    boolean viaGot = i.flow() == FlowKind.INDIRECT_CALL && i.isRipRelative()
                            && targets.gotSlots().contains(i.ripTarget());
                    boolean tail = i.flow() == FlowKind.JUMP && i.hasTarget() && targets.addresses().contains(i.target())
                            || i.flow() == FlowKind.INDIRECT_JUMP && i.isRipRelative()
                            && targets.gotSlots().contains(i.ripTarget());
                    if (direct || viaGot || tail) {
                        calls++;
                        (tail ? tailCalls : cuts).add(new Cut(b, k));
                        args += argumentSetup(b, k, cuts);
                        if (!tail) {
                            saveAround(b, k, cuts, blockCuts);
                        }
                    }
                }
            }
        }
        Set<Long> removed = new HashSet<>();
        cuts.forEach(c -> removed.add(c.insn().address()));
        int guards = new GuardRemover(program, removed).removeGuards(targets.addresses(), cuts);
        return new Result(calls, args, guards, cuts, tailCalls);
    }

    /** Adds cuts for the instructions before {@code b}'s instruction {@code call} that only set its arguments. */
    private static int argumentSetup(Block b, int call, List<Cut> cuts) {
        List<Insn> insns = b.instructions();
        long open = ARGUMENT_REGS;     // argument registers whose set-up we are still looking for
        long readBetween = 0;          // registers read by instructions between a candidate and the call
        boolean flagsReadBetween = false;
        int removed = 0;
        for (int k = call - 1; k >= 0 && k >= call - 8 && open != 0; k--) {
            Insn p = insns.get(k);
            long written = p.regsWritten() & ~Reg.bit(Reg.FLAGS);
            int reg = setsRegisterOnly(p);
            if (reg != Reg.NONE && (open & Reg.bit(reg)) != 0 && (readBetween & Reg.bit(reg)) == 0
                    && !(p.modifiesFlags() && flagsReadBetween)) {
                cuts.add(new Cut(b, k));
                open &= ~Reg.bit(reg);
                removed++;
                continue;
            }
            // Anything else touching an argument register ends the search for that register.
            open &= ~((written | p.regsRead()) & ARGUMENT_REGS);
            readBetween |= p.regsRead();
            flagsReadBetween |= (p.regsRead() & Reg.bit(Reg.FLAGS)) != 0;
            if (p.flow() != FlowKind.SEQUENTIAL) {
                break;
            }
        }
        return removed;
    }

    /**
     * A call ykrw itself inserted (instrument --abi yk) sits in a save of its own: {@code lea rsp,
     * [rsp - 128]} and pushes before it, the matching pops and {@code lea rsp, [rsp + 128]} after it.
     * With the call gone they only move rsp and back: up to four such pairs around it go too. {@code b}'s
     * cuts so far are those from {@code blockCuts} on (looking at them only keeps this linear in the
     * calls: sqlite3's 54,000 probes took minutes when every call looked at every cut).
     */
    private static void saveAround(Block b, int call, List<Cut> cuts, int blockCuts) {
        List<Insn> insns = b.instructions();
        Set<Integer> gone = new HashSet<>();
        cuts.subList(blockCuts, cuts.size()).forEach(c -> gone.add(c.index()));
        int before = call;
        while (before > 0 && gone.contains(before - 1)) {
            before--;
        }
        int after = call + 1;
        for (int depth = 0; depth < 4 && before > 0 && after < insns.size(); depth++) {
            Insn open = insns.get(before - 1);
            Insn close = insns.get(after);
            boolean pair = open.mnemonic().equals("push") && close.mnemonic().equals("pop")
                    && open.operands().size() == 1 && close.operands().size() == 1
                    && open.operands().get(0).kind() == Operand.Kind.REG && close.operands().get(0).kind() == Operand.Kind.REG
                    && open.operands().get(0).reg() == close.operands().get(0).reg();
            boolean redZone = isRedZoneStep(open, -RED_ZONE) && isRedZoneStep(close, RED_ZONE);
            if (!pair && !redZone) {
                return;
            }
            cuts.add(new Cut(b, before - 1));
            cuts.add(new Cut(b, after));
            before--;
            after++;
        }
    }

    private static final int RED_ZONE = 128;

    /** @return true for {@code lea rsp, [rsp + delta]} */
    private static boolean isRedZoneStep(Insn i, int delta) {
        List<Operand> ops = i.operands();
        return i.mnemonic().equals("lea") && ops.size() == 2 && ops.get(0).kind() == Operand.Kind.REG
                && ops.get(0).reg() == Reg.RSP && ops.get(1).kind() == Operand.Kind.MEM
                && ops.get(1).mem().base() == Reg.RSP && ops.get(1).mem().index() == Reg.NONE
                && ops.get(1).mem().disp() == delta;
    }

    /** @return the register a {@code mov reg, imm} or {@code xor reg, reg} sets, else {@link Reg#NONE} */
    private static int setsRegisterOnly(Insn p) {
        List<Operand> ops = p.operands();
        if (ops.size() != 2 || ops.get(0).kind() != Operand.Kind.REG) {
            return Reg.NONE;
        }
        boolean movImm = p.mnemonic().equals("mov") && ops.get(1).kind() == Operand.Kind.IMM;
        boolean xorSelf = p.mnemonic().equals("xor") && ops.get(1).kind() == Operand.Kind.REG
                && ops.get(1).reg() == ops.get(0).reg();
        return movImm || xorSelf ? ops.get(0).reg() : Reg.NONE;
    }
}
