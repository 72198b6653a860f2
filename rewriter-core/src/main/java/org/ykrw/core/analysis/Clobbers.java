package org.ykrw.core.analysis;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Edge;
import org.ykrw.core.ir.EdgeKind;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;
import org.ykrw.core.x86.FlowKind;
import org.ykrw.core.x86.Insn;
import org.ykrw.core.x86.Operand;
import org.ykrw.core.x86.Reg;

/**
 * What a call of a function may leave changed in the caller's registers: the caller-saved registers
 * ({@link Reg} bits, FLAGS and vector registers included) that it, or anything it reaches through
 * direct calls and jumps, may write, and whether it may touch state ykrw does not track (x87, MMX,
 * AVX-512 masks). For a probe that calls a known function and wants to save no more than that.
 *
 * <p><b>Sound means a superset.</b> The function is assumed to follow the SysV ABI (callee-saved
 * registers come back as they were), so only caller-saved registers are reported. Within the code it
 * sees, an instruction may write every register it names as written, capstone's implicit writes, the
 * implicit writes of a fixed list of instructions capstone 4 may under-report (string operations,
 * cpuid, multiplication ...) and FLAGS always; an instruction that names any vector register may write
 * it. Code it cannot see counts as a call of unknown code: an indirect call or an unresolved indirect
 * jump, a call through a PLT stub, a call or jump to an address that is no function here, a system
 * call. Unknown code may clobber every caller-saved register, every vector register and the untracked
 * state ({@link #UNKNOWN}).
 *
 * <p>It also says whether the code may care how rsp is aligned: only instructions that access memory
 * with alignment checks (aligned SSE loads and stores, {@code fxsave}/{@code xsave} areas) fault on a
 * misaligned address, so code with no memory operand in vector or x87 instructions runs the same on a
 * stack that is not 16-byte aligned. Unknown code may care.
 */
public final class Clobbers {
    /** What a call of unknown code may change: every caller-saved GPR, FLAGS and every vector register. */
    public static final long CALLER_SAVED = Reg.CALLER_SAVED_GPRS | InsnEffects.FLAGS | Reg.ALL_VECTORS;

    /** The summary of unknown code. */
    public static final Clobbers UNKNOWN = new Clobbers(CALLER_SAVED, true, true, true);

    /** GPRs that instructions with implicit operands may write although capstone 4 may not list them all. */
    private static final long IMPLICIT_GPRS = Reg.bit(Reg.RAX) | Reg.bit(Reg.RCX) | Reg.bit(Reg.RDX)
            | Reg.bit(Reg.RSI) | Reg.bit(Reg.RDI);

    private final long registers;
    private final boolean untracked;
    private final boolean reachesUnknownCode;
    private final boolean needsAlignedStack;

    private Clobbers(long registers, boolean untracked, boolean reachesUnknownCode, boolean needsAlignedStack) {
        this.registers = registers & CALLER_SAVED;
        this.untracked = untracked;
        this.reachesUnknownCode = reachesUnknownCode;
        this.needsAlignedStack = needsAlignedStack;
    }

    /**
     * Summarises a function and every function it reaches through direct calls and jumps, in one
     * lifted program (the one it runs in, or a library lifted on its own).
     *
     * @param program the program that holds {@code f}
     * @param f the function a probe will call
     * @return what a call of {@code f} may change
     */
    public static Clobbers of(Program program, Function f) {
        long regs = 0;
        boolean untracked = false;
        boolean aligned = false;
        for (Function g : calledFrom(program, f)) {
            if (g.isPlt() || g.blocks().isEmpty()) {
                return UNKNOWN;
            }
            for (Block b : g.blocks()) {
                for (Insn i : b.instructions()) {
                    if (i.flow() == FlowKind.INDIRECT_CALL || isSystemCall(i)) {
                        return UNKNOWN;
                    }
                    regs |= writes(i);
                    untracked |= touchesUntracked(i);
                    aligned |= mayCheckAlignment(i);
                }
                for (Edge e : b.successors()) {
                    boolean direct = e.kind() == EdgeKind.CALL || e.kind() == EdgeKind.TAIL_CALL;
                    if (e.kind() == EdgeKind.INDIRECT || direct && program.functionAt(e.targetAddress()) == null) {
                        return UNKNOWN;
                    }
                }
            }
        }
        return new Clobbers(regs | InsnEffects.FLAGS, untracked, false, aligned);
    }

    /**
     * @param program the program that holds {@code f}
     * @param f a function
     * @return {@code f} and every function of the program it reaches through direct calls, jumps and
     *     tail calls (to function entries)
     */
    public static Set<Function> calledFrom(Program program, Function f) {
        Set<Function> seen = new HashSet<>();
        Deque<Function> work = new ArrayDeque<>();
        work.add(f);
        while (!work.isEmpty()) {
            Function g = work.pop();
            if (!seen.add(g)) {
                continue;
            }
            for (Block b : g.blocks()) {
                for (Edge e : b.successors()) {
                    Function callee = e.kind() == EdgeKind.CALL || e.kind() == EdgeKind.TAIL_CALL
                            ? program.functionAt(e.targetAddress()) : null;
                    if (callee != null) {
                        work.add(callee);
                    }
                }
            }
        }
        return seen;
    }

    /**
     * @param more registers something run around the call may change too (a lazy-binding trampoline's)
     * @return this summary with those registers added; {@link #UNKNOWN} stays itself
     */
    public Clobbers plus(long more) {
        return reachesUnknownCode ? this : new Clobbers(registers | more, untracked, false, needsAlignedStack);
    }

    /** @return caller-saved registers ({@link Reg} bits, FLAGS and vectors included) a call may change */
    public long registers() {
        return registers;
    }

    /** @return true when a call may change x87, MMX or AVX-512 mask state, which liveness does not track */
    public boolean touchesUntracked() {
        return untracked;
    }

    /** @return true when the summary is {@link #UNKNOWN}'s because the code reaches code not seen */
    public boolean reachesUnknownCode() {
        return reachesUnknownCode;
    }

    /** @return false when the code runs the same whatever the alignment of rsp (see the class comment) */
    public boolean needsAlignedStack() {
        return needsAlignedStack;
    }

    @Override
    public String toString() {
        return reachesUnknownCode ? "unknown code" : Liveness.format(registers) + (untracked ? " x87/mmx/masks" : "")
                + (needsAlignedStack ? "" : ", any stack alignment");
    }

    private static boolean isSystemCall(Insn i) {
        String m = i.mnemonic();
        return m.equals("syscall") || m.equals("sysenter") || m.equals("int");
    }

    /** @return registers {@code i} may write (a superset; FLAGS added by the caller) */
    static long writes(Insn i) {
        long w = i.regsWritten() & ~Reg.bit(Reg.RIP);
        for (Operand op : i.operands()) {
            if (op.kind() == Operand.Kind.REG && op.reg() >= 0 && op.reg() != Reg.RIP
                    && (op.written() || op.reg() >= Reg.VEC0)) {
                w |= Reg.bit(op.reg());
            }
        }
        w |= (i.regsRead() | i.regsWritten()) & Reg.ALL_VECTORS;
        String m = i.mnemonic();
        if (m.startsWith("vzero") || m.contains("xrstor")) {
            w |= Reg.ALL_VECTORS;
        }
        if (hasImplicitGprWrites(m)) {
            w |= IMPLICIT_GPRS;
        }
        return w;
    }

    private static boolean hasImplicitGprWrites(String m) {
        String base = m.startsWith("rep") ? m.substring(m.indexOf(' ') + 1) : m;
        return base.startsWith("movs") || base.startsWith("stos") || base.startsWith("lods") || base.startsWith("scas")
                || base.startsWith("cmps") || base.startsWith("cpuid") || base.startsWith("rdtsc") || base.startsWith("xgetbv")
                || base.startsWith("mul") || base.startsWith("imul") || base.startsWith("div") || base.startsWith("idiv")
                || base.startsWith("cmpxchg") || base.startsWith("lock ") || base.equals("cqo") || base.equals("cdq")
                || base.equals("cwd") || base.startsWith("xchg") || base.startsWith("xadd") || base.startsWith("loop")
                || base.startsWith("rdrand") || base.startsWith("rdseed") || base.startsWith("rdpid") || base.startsWith("enter")
                || base.startsWith("leave");
    }

    /** @return true for an instruction that may fault on a misaligned memory operand */
    private static boolean mayCheckAlignment(Insn i) {
        boolean memory = false;
        for (Operand op : i.operands()) {
            memory |= op.kind() == Operand.Kind.MEM;
        }
        return memory && (writes(i) & Reg.ALL_VECTORS) != 0 || touchesUntracked(i) || i.mnemonic().contains("save")
                || i.mnemonic().contains("cmpxchg16b");
    }

    /** @return true for x87 and MMX instructions and any operand in a register ykrw does not track */
    private static boolean touchesUntracked(Insn i) {
        String m = i.mnemonic();
        if (m.startsWith("f") || m.equals("emms") || m.contains("xrstor") || m.startsWith("k")) {
            return true;
        }
        for (Operand op : i.operands()) {
            if (op.kind() == Operand.Kind.REG && op.reg() == Reg.NONE) {
                return true;
            }
        }
        return false;
    }
}
