package org.ykrw.core.analysis;

import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Edge;
import org.ykrw.core.ir.EdgeKind;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;
import org.ykrw.core.x86.FlowKind;
import org.ykrw.core.x86.Insn;
import org.ykrw.core.x86.Reg;

/**
 * Registers and status flags that may be read before they are written, at the start of every block:
 * a backward may-liveness fixpoint over the lifted CFG, for probes that want to clobber FLAGS or a
 * scratch register without saving it. Sets are {@link Reg} bit masks, {@link Reg#FLAGS} included
 * (the six status flags as one unit); rip is never in them.
 *
 * <p><b>Sound means conservative.</b> A register reported dead is dead on every path the CFG knows,
 * under the assumptions below; a register reported live may be dead. Whatever the analysis cannot see
 * is live: an edge to an address that is no block, an unresolved indirect jump (FLAGS included), a
 * block that ends in a trap or an undecodable instruction. Per instruction, {@link InsnEffects} says
 * what is read and killed; it trusts capstone 4's register lists only after correcting them towards
 * more uses and fewer kills.
 *
 * <p><b>Assumptions.</b> With {@link Convention#SYSV} (the default) we assume every call, return and
 * tail call follows the SysV x86-64 ABI:
 * <ul>
 *   <li>A call reads the argument registers (rdi rsi rdx rcx r8 r9, rax for varargs, xmm0-7), r10
 *       (static chain) and r11, rsp, and the callee-saved registers rbx rbp r12-r15 (the unwinder hands
 *       their current values to a landing pad of this function when the callee throws). After it,
 *       every caller-saved GPR, every vector register and FLAGS hold new values: they are killed.</li>
 *   <li>A call with no fall-through edge (the callee never returns) leaves nothing live after it.</li>
 *   <li>A return leaves rax rdx xmm0 xmm1, rsp and the callee-saved GPRs live, and FLAGS dead.</li>
 *   <li>A tail call (an edge to another function's entry outside the analysed code, or a jump through
 *       a pointer classified as a tail call, or a PLT stub's jump) leaves every GPR and vector
 *       register live and FLAGS dead.</li>
 * </ul>
 * Hand-written assembly may break these (glibc's {@code __tls_get_addr} fast path, the dynamic
 * linker's trampolines, a local helper called with flags live across it, {@code call 1f; 1: pop rbx}
 * used to read rip). {@link Convention#NONE}
 * makes no ABI assumption: a call reads everything and kills nothing, and returns and tail calls
 * leave everything live, FLAGS included. Not tracked at all (a probe must not touch them): DF and
 * the system flags, x87/MMX state, MXCSR, AVX-512 mask registers, and memory (the red zone
 * included).
 *
 * <p><b>Scope.</b> {@link #of(Program)} analyses all functions together and follows jumps between
 * them (a tail call's target block, hot code jumping to its {@code .cold} fragment), so the ABI
 * assumption is used only for tail calls through pointers. {@link #of(Function)} sees one function:
 * a jump to another function's entry is then assumed to be an ABI tail call, which is wrong for a
 * conditional jump into a stripped binary's {@code .cold} fragment that reads the flags. Prefer the
 * program form when flags decisions matter.
 *
 * <p>Predecessors play no part: liveness at a block flows from its successors, so blocks entered
 * through pointers or from other functions are analysed the same way.
 */
public final class Liveness {
    /** Which calling convention calls, returns and tail calls are assumed to follow. */
    public enum Convention {
        /** The SysV x86-64 ABI, as the class comment details. */
        SYSV,
        /** None: calls read everything and kill nothing; every exit leaves everything live. */
        NONE,
        /**
         * SysV, except for direct calls of analysed functions that are no PLT stubs: such a call kills
         * nothing, and the callee's returns leave live what may be live after each such call (and
         * after the calls of every function that jumps into it), besides the ABI's return set for
         * callers not seen. After a call in the middle of a block that is what the rest of the block
         * reads, and what is live at the block's end. A compiler may keep values in
         * caller-saved registers across a call of a function it knows does not write them (GCC's
         * {@code -fipa-ra}, on at -O2): SysV then calls such a register dead where the program still
         * needs it, this does not. Meant for the program form.
         */
        INTERPROCEDURAL
    }

    /** Every tracked register: the 16 GPRs, FLAGS and the 32 vector registers. */
    public static final long ALL = InsnEffects.ALL_GPRS | InsnEffects.FLAGS | Reg.ALL_VECTORS;

    /** rbx rbp r12-r15: preserved by a callee. */
    static final long CALLEE_SAVED = Reg.bit(Reg.RBX) | Reg.bit(Reg.RBP) | Reg.bit(Reg.R12) | Reg.bit(Reg.R13)
            | Reg.bit(Reg.R14) | Reg.bit(Reg.R15);

    /** Live when control returns to the caller. */
    static final long RETURN_LIVE = Reg.bit(Reg.RAX) | Reg.bit(Reg.RDX) | Reg.bit(Reg.RSP) | CALLEE_SAVED
            | Reg.bit(Reg.VEC0) | Reg.bit(Reg.VEC0 + 1);

    /** Live when control jumps to another function. */
    static final long TAIL_CALL_LIVE = InsnEffects.ALL_GPRS | Reg.ALL_VECTORS;

    /** Read by a call: arguments, static chain, r11, stack and what an unwinder may restore. */
    static final long CALL_USES = Reg.bit(Reg.RDI) | Reg.bit(Reg.RSI) | Reg.bit(Reg.RDX) | Reg.bit(Reg.RCX)
            | Reg.bit(Reg.R8) | Reg.bit(Reg.R9) | Reg.bit(Reg.RAX) | Reg.bit(Reg.R10) | Reg.bit(Reg.R11)
            | Reg.bit(Reg.RSP) | CALLEE_SAVED | 0xFFL << Reg.VEC0;

    /** Overwritten by a call that returns. */
    static final long CALL_KILLS = Reg.CALLER_SAVED_GPRS | Reg.ALL_VECTORS | InsnEffects.FLAGS;

    private final Convention convention;
    /** Position of each analysed function's first block in the arrays below. */
    private final Map<Function, Integer> base = new IdentityHashMap<>();
    private final Block[] blocks;
    /** Per block, the transfer function in = gen | (out & ~kill). */
    private final long[] gen;
    private final long[] kill;
    /** Per block, what its exits outside the analysed blocks leave live, and its analysed successors. */
    private final long[] fixedOut;
    private final int[][] successors;
    private final long[] liveIn;
    /** With {@link Convention#INTERPROCEDURAL}: calls followed into an analysed function, and that function. */
    private final Map<Insn, Function> followed = new IdentityHashMap<>();
    private long visits;

    private Liveness(List<Function> functions, Convention convention) {
        this.convention = convention;
        int n = 0;
        for (Function f : functions) {
            base.put(f, n);
            n += f.blocks().size();
        }
        blocks = new Block[n];
        gen = new long[n];
        kill = new long[n];
        liveIn = new long[n];
        fixedOut = new long[n];
        successors = new int[n][];
        for (Function f : functions) {
            for (Block b : f.blocks()) {
                blocks[b.index() + base.get(f)] = b;
            }
        }
        if (convention == Convention.INTERPROCEDURAL) {
            for (Block b : blocks) {
                findFollowedCalls(b);
            }
        }
        for (int id = 0; id < n; id++) {
            summarise(id);
            classifyExits(id);
        }
        if (convention == Convention.INTERPROCEDURAL) {
            linkReturns();
        }
        solve();
    }

    /**
     * Analyses one function alone, under the SysV ABI.
     *
     * @param f a function with a CFG
     * @return its liveness
     */
    public static Liveness of(Function f) {
        return of(f, Convention.SYSV);
    }

    /**
     * @param f a function with a CFG
     * @param convention what calls, returns and tail calls are assumed to do
     * @return its liveness
     */
    public static Liveness of(Function f, Convention convention) {
        return new Liveness(List.of(f), convention);
    }

    /**
     * Analyses every function of a program together, under the SysV ABI.
     *
     * @param p a lifted program
     * @return liveness for every block of every function
     */
    public static Liveness of(Program p) {
        return of(p, Convention.SYSV);
    }

    /**
     * @param p a lifted program
     * @param convention what calls, returns and tail calls are assumed to do
     * @return liveness for every block of every function
     */
    public static Liveness of(Program p, Convention convention) {
        return new Liveness(p.functions(), convention);
    }

    /**
     * @param b an analysed block
     * @return registers ({@link Reg} bits, FLAGS included) that may be read before written from the
     *     block's first instruction on
     */
    public long liveIn(Block b) {
        return liveIn[id(b)];
    }

    /**
     * @param b an analysed block
     * @return registers that may be read after the block's last instruction
     */
    public long liveOut(Block b) {
        return liveOut(id(b));
    }

    /**
     * @param b an analysed block
     * @param index position of an instruction in the block; the block's size gives {@link #liveOut}
     * @return registers that may be read from just before that instruction on
     */
    public long liveBefore(Block b, int index) {
        List<Insn> insns = b.instructions();
        if (index < 0 || index > insns.size()) {
            throw new IndexOutOfBoundsException(index);
        }
        long live = liveOut(b);
        for (int k = insns.size() - 1; k >= index; k--) {
            Insn i = insns.get(k);
            live = (live & ~kills(i)) | uses(i);
        }
        return live;
    }

    /**
     * @param b an analysed block
     * @return true unless the status flags are certainly dead at the block's start, i.e. false when a
     *     probe there may clobber them without saving
     */
    public boolean isFlagsLiveIn(Block b) {
        return (liveIn(b) & InsnEffects.FLAGS) != 0;
    }

    /**
     * @param b an analysed block
     * @param reg a {@link Reg} number
     * @return true unless {@code reg} is certainly dead at the block's start
     */
    public boolean isLiveIn(Block b, int reg) {
        return (liveIn(b) & Reg.bit(reg)) != 0;
    }

    /** @return the convention assumed */
    public Convention convention() {
        return convention;
    }

    /** @return number of block evaluations the fixpoint took (for reports) */
    public long visits() {
        return visits;
    }

    /** @return a register set as names in bit order, e.g. {@code "rax rsp flags xmm0"} */
    public static String format(long set) {
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < 64; r++) {
            if ((set & (1L << r)) != 0) {
                sb.append(sb.length() > 0 ? " " : "").append(Reg.name(r));
            }
        }
        return sb.toString();
    }

    private int id(Block b) {
        Integer first = base.get(b.function());
        if (first == null) {
            throw new IllegalArgumentException(b.label() + " is not part of this analysis");
        }
        return first + b.index();
    }

    /** @return true when the block belongs to an analysed function */
    private boolean inScope(Block b) {
        return b != null && base.containsKey(b.function());
    }

    private long uses(Insn i) {
        if (!isCall(i)) {
            return InsnEffects.uses(i);
        }
        return convention != Convention.NONE ? InsnEffects.uses(i) | CALL_USES : ALL;
    }

    private long kills(Insn i) {
        if (!isCall(i)) {
            return InsnEffects.kills(i);
        }
        return convention != Convention.NONE && !followed.containsKey(i) ? CALL_KILLS : 0;
    }

    private static boolean isCall(Insn i) {
        return i.flow() == FlowKind.CALL || i.flow() == FlowKind.INDIRECT_CALL;
    }

    /** Records the block's direct calls of analysed functions that are no PLT stubs. */
    private void findFollowedCalls(Block b) {
        for (Edge e : b.successors()) {
            if (e.kind() != EdgeKind.CALL || !inScope(e.to()) || e.to().function().isPlt()) {
                continue;
            }
            for (Insn i : b.instructions()) {
                if (i.flow() == FlowKind.CALL && i.target() == e.targetAddress()) {
                    followed.put(i, e.to().function());
                }
            }
        }
    }

    /**
     * Makes each return of a function leave live what may be live after its followed calls: what the
     * rest of the calling block reads, and the calling block's exits (directly, or through a function
     * that jumps into it, transitively).
     */
    private void linkReturns() {
        Map<Function, Set<Integer>> exits = new IdentityHashMap<>();  // blocks whose exits returns share
        Map<Function, Long> reads = new IdentityHashMap<>();          // read after the call in those blocks
        Map<Function, Set<Function>> enteredFrom = new IdentityHashMap<>();
        for (int id = 0; id < blocks.length; id++) {
            Block b = blocks[id];
            List<Insn> insns = b.instructions();
            long after = 0;   // read after position k before being written, within the block
            for (int k = insns.size() - 1; k >= 0; k--) {
                Insn i = insns.get(k);
                Function callee = followed.get(i);
                if (callee != null) {
                    exits.computeIfAbsent(callee, f -> new HashSet<>()).add(id);
                    reads.merge(callee, after, (x, y) -> x | y);
                }
                after = (after & ~kills(i)) | uses(i);
            }
            for (Edge e : b.successors()) {
                if (e.kind() != EdgeKind.CALL && inScope(e.to()) && e.to().function() != b.function()) {
                    enteredFrom.computeIfAbsent(e.to().function(), f -> new HashSet<>()).add(b.function());
                }
            }
        }
        boolean grew = true;
        while (grew) {
            grew = false;
            for (Map.Entry<Function, Set<Function>> g : enteredFrom.entrySet()) {
                for (Function f : g.getValue()) {
                    if (exits.containsKey(f)) {
                        grew |= exits.computeIfAbsent(g.getKey(), k -> new HashSet<>()).addAll(exits.get(f));
                        long before = reads.getOrDefault(g.getKey(), 0L);
                        long now = before | reads.get(f);
                        reads.put(g.getKey(), now);
                        grew |= now != before;
                    }
                }
            }
        }
        // A calling block may itself return (a call then a tail of the function): repeat until the
        // returns' exits stop growing, so that they include what the callers' callers read.
        boolean extended = true;
        while (extended) {
            extended = false;
            for (int id = 0; id < blocks.length; id++) {
                extended |= extendReturn(id, exits.get(blocks[id].function()), reads.get(blocks[id].function()));
            }
        }
    }

    /** @return true when block id, if it returns, gained exits or reads from its function's calling blocks */
    private boolean extendReturn(int id, Set<Integer> callers, Long reads) {
        if (callers == null || blocks[id].successors().stream().noneMatch(e -> e.kind() == EdgeKind.RETURN)) {
            return false;
        }
        Set<Integer> to = new java.util.LinkedHashSet<>();
        for (int s : successors[id]) {
            to.add(s);
        }
        long out = fixedOut[id] | reads;
        for (int c : callers) {
            out |= fixedOut[c];
            for (int s : successors[c]) {
                to.add(s);
            }
        }
        boolean grew = out != fixedOut[id] || to.size() != successors[id].length;
        fixedOut[id] = out;
        successors[id] = to.stream().mapToInt(Integer::intValue).toArray();
        return grew;
    }

    /** Composes the block's instructions, last to first, into one gen/kill pair. */
    private void summarise(int id) {
        List<Insn> insns = blocks[id].instructions();
        long g = 0;
        long k = 0;
        for (int n = insns.size() - 1; n >= 0; n--) {
            Insn i = insns.get(n);
            long def = kills(i);
            g = uses(i) | (g & ~def);
            k |= def;
        }
        gen[id] = g;
        kill[id] = k;
    }

    /** Union over the block's successors of what is live on entering them. */
    private long liveOut(int id) {
        long out = fixedOut[id];
        for (int s : successors[id]) {
            out |= liveIn[s];
        }
        return out;
    }

    /** Splits the block's exits into analysed successors and a fixed set for everything else. */
    private void classifyExits(int id) {
        Block b = blocks[id];
        boolean sysv = convention != Convention.NONE;
        long out = 0;
        boolean leaves = false;
        List<Edge> edges = b.successors();
        int[] inner = new int[edges.size()];   // distinct, in edge order
        int innerCount = 0;
        for (int k = 0; k < edges.size(); k++) {
            Edge e = edges.get(k);
            if (e.kind() == EdgeKind.CALL) {
                continue;  // the callee's entry; the fall-through edge carries what follows the call
            }
            leaves = true;
            Block to = e.to();
            if (inScope(to) && e.kind() != EdgeKind.RETURN && e.kind() != EdgeKind.INDIRECT) {
                innerCount = addDistinct(inner, innerCount, id(to));
                continue;
            }
            out |= switch (e.kind()) {
                case RETURN -> sysv ? RETURN_LIVE : ALL;
                case TAIL_CALL -> sysv && (to == null || to.address() == to.function().entryAddress())
                        ? TAIL_CALL_LIVE : ALL;
                // A PLT stub's jump through the GOT enters a function of another object.
                case INDIRECT -> sysv && b.function().isPlt() ? TAIL_CALL_LIVE : ALL;
                default -> ALL;
            };
        }
        if (!leaves) {
            // No way on: after a call that never returns nothing is read; after a trap or bytes we
            // could not decode, a signal handler may look at anything.
            out = isCall(b.lastInstruction()) ? 0 : ALL;
        }
        fixedOut[id] = out;
        successors[id] = innerCount == inner.length ? inner : Arrays.copyOf(inner, innerCount);
    }

    /** @return the new count: {@code value} appended to the first {@code count} of {@code set} unless there */
    private static int addDistinct(int[] set, int count, int value) {
        for (int k = 0; k < count; k++) {
            if (set[k] == value) {
                return count;
            }
        }
        set[count] = value;
        return count + 1;
    }

    /** Round-robin worklist from the exits backwards until no live-in set grows. */
    private void solve() {
        int[][] predecessors = invert(successors);
        int[] work = new int[blocks.length];
        int head = 0;
        int size = 0;
        boolean[] queued = new boolean[blocks.length];
        // Blocks are in address order; exits tend to come last, so start from the end.
        for (int id = blocks.length - 1; id >= 0; id--) {
            work[size++] = id;
            queued[id] = true;
        }
        while (size > 0) {
            int id = work[head];
            head = (head + 1) % work.length;
            size--;
            queued[id] = false;
            visits++;
            long in = gen[id] | (liveOut(id) & ~kill[id]);
            if (in == liveIn[id]) {
                continue;
            }
            liveIn[id] = in;
            for (int p : predecessors[id]) {
                if (!queued[p]) {
                    queued[p] = true;
                    work[(head + size++) % work.length] = p;
                }
            }
        }
    }

    /** @return for each block, the blocks that list it as a successor */
    private static int[][] invert(int[][] successors) {
        int[] count = new int[successors.length];
        for (int[] out : successors) {
            for (int s : out) {
                count[s]++;
            }
        }
        int[][] predecessors = new int[successors.length][];
        for (int id = 0; id < successors.length; id++) {
            predecessors[id] = new int[count[id]];
        }
        for (int id = 0; id < successors.length; id++) {
            for (int s : successors[id]) {
                predecessors[s][--count[s]] = id;
            }
        }
        return predecessors;
    }
}
