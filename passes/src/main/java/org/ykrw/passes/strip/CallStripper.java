package org.ykrw.passes.strip;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.ElfSymbol;
import org.ykrw.core.elf.PltEntry;
import org.ykrw.core.elf.Relocation;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;
import org.ykrw.core.x86.FlowKind;
import org.ykrw.core.x86.Insn;
import org.ykrw.core.x86.Operand;
import org.ykrw.core.x86.Reg;
import org.ykrw.core.x86.encode.CodeWriter;

/**
 * Removes calls to tracing functions that a compiler inserted: each call (direct, through the PLT, or
 * through the GOT) becomes NOPs of the same length, and so does the argument set-up that only fed it
 * ({@code mov edi, imm} / {@code mov esi, imm} / {@code xor edi, edi} in the same block, with nothing in
 * between reading those registers) and the test that guarded it ({@link GuardRemover}). Code does not move, so nothing else needs fixing: the argument
 * registers and flags are dead after a call anyway (the ABI lets the callee clobber them).
 */
public final class CallStripper {
    /** The tracing functions yk's compilers have called (see NOTES.md section 1). */
    public static final List<String> YK_TRACE_FUNCTIONS = List.of("yk_trace_basicblock", "__yk_trace_basicblock",
            "__yk_trace_basicblock_wrapper");

    /** Registers the tracing calls take their arguments in. */
    private static final long ARGUMENT_REGS = Reg.bit(Reg.RDI) | Reg.bit(Reg.RSI);

    private CallStripper() {
    }

    /** A byte range to overwrite with NOPs. */
    public record Nop(long address, int length) {
    }

    /**
     * What stripping found: the call sites, their argument set-up, the tests that guarded them, and
     * all ranges to NOP.
     */
    public record Result(int callSites, int argumentInstructions, int guards, List<Nop> nops) {
    }

    /**
     * @param elf the input
     * @param program its lifted CFG
     * @param names functions whose calls are removed
     * @return the sites found
     */
    public static Result find(ElfFile elf, Program program, List<String> names) {
        Set<String> wanted = new HashSet<>(names);
        Set<Long> targets = new HashSet<>();
        for (List<ElfSymbol> table : List.of(elf.symbols(), elf.dynamicSymbols())) {
            for (ElfSymbol s : table) {
                if (s.isFunction() && s.isDefined() && wanted.contains(s.name())) {
                    targets.add(s.value());
                }
            }
        }
        for (PltEntry p : elf.pltEntries()) {
            if (wanted.contains(p.symbolName())) {
                targets.add(p.address());
            }
        }
        Set<Long> slots = new HashSet<>();
        for (Relocation r : elf.relocations()) {
            if ((r.type() == Relocation.R_X86_64_GLOB_DAT || r.type() == Relocation.R_X86_64_JUMP_SLOT)
                    && wanted.contains(r.symbolName())) {
                slots.add(r.offset());
            }
        }
        List<Nop> nops = new ArrayList<>();
        int calls = 0;
        int args = 0;
        for (Function f : program.functions()) {
            if (f.isPlt() || targets.contains(f.entryAddress())) {
                continue;  // the tracer's own body stays as it is
            }
            for (Block b : f.blocks()) {
                List<Insn> insns = b.instructions();
                for (int k = 0; k < insns.size(); k++) {
                    Insn i = insns.get(k);
                    boolean direct = i.flow() == FlowKind.CALL && targets.contains(i.target());
                    boolean viaGot = i.flow() == FlowKind.INDIRECT_CALL && i.isRipRelative() && slots.contains(i.ripTarget());
                    if (direct || viaGot) {
                        calls++;
                        nops.add(new Nop(i.address(), i.length()));
                        args += argumentSetup(insns, k, nops);
                        saveAround(insns, k, nops);
                    }
                }
            }
        }
        Set<Long> removed = new HashSet<>();
        nops.forEach(n -> removed.add(n.address()));
        int guards = new GuardRemover(program, removed).removeGuards(targets, nops);
        return new Result(calls, args, guards, nops);
    }

    /** Adds NOPs for the instructions before {@code insns[call]} that only set its arguments. */
    private static int argumentSetup(List<Insn> insns, int call, List<Nop> nops) {
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
                nops.add(new Nop(p.address(), p.length()));
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
     * [rsp-128]; push rdi; mov edi, id; call; pop rdi; lea rsp, [rsp+128]}. Once the call and its set-up
     * are NOPs, the pushes and pops around them that restore what they saved go too, so the guard's
     * branch jumps over nothing but NOPs and {@link GuardRemover} takes it and its test away.
     */
    private static void saveAround(List<Insn> insns, int call, List<Nop> nops) {
        Set<Long> gone = new HashSet<>();
        nops.forEach(n -> gone.add(n.address()));
        int before = call;
        while (before > 0 && gone.contains(insns.get(before - 1).address())) {
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
            nops.add(new Nop(open.address(), open.length()));
            nops.add(new Nop(close.address(), close.length()));
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

    /**
     * @param elf the input
     * @param result sites from {@link #find}
     * @return a copy of the file with every site overwritten by NOPs
     */
    public static byte[] apply(ElfFile elf, Result result) {
        byte[] out = elf.data().clone();
        for (Nop n : result.nops()) {
            byte[] fill = CodeWriter.at(n.address()).nop(n.length()).toByteArray();
            System.arraycopy(fill, 0, out, (int) elf.fileOffset(n.address()), fill.length);
        }
        return out;
    }
}
