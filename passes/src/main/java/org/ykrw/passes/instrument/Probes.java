package org.ykrw.passes.instrument;

import org.ykrw.core.ir.Probe;
import org.ykrw.core.ir.ProbeContext;
import org.ykrw.core.pass.PassRequests;
import org.ykrw.core.x86.Reg;
import java.util.function.Consumer;
import org.ykrw.core.x86.encode.CodeWriter;
import org.ykrw.core.x86.encode.Condition;
import org.ykrw.core.x86.encode.Mem;
import org.ykrw.core.x86.MemOperand;

/**
 * The probes the instrumentation passes insert. Each keeps the program's state: it touches only
 * memory of its own, or saves what it clobbers below the 128-byte red zone.
 */
final class Probes {
    /** Bytes below rsp a leaf function may use without moving rsp (SysV red zone). */
    static final int RED_ZONE = 128;
    /** Where counters start in the run-file region (after its header, docs/FORMATS.md). */
    static final int COUNTERS = 512;

    private Probes() {
    }

    /** {@code mov byte [counter k], 1}: no register, no flag, and threads racing on it agree. */
    static Probe coverageByte(int k) {
        return (w, c) -> w.movMemImm8(Mem.rip(c.symbol(ProbeContext.RUN_FILE_REGION) + COUNTERS + k), 1);
    }

    /**
     * {@code inc qword [counter k]}; when the flags may be live, between pushfq and popfq below the
     * red zone.
     */
    static Probe count(int k, boolean flagsLive) {
        return (w, c) -> {
            Mem counter = Mem.rip(c.symbol(ProbeContext.RUN_FILE_REGION) + COUNTERS + 8L * k);
            if (flagsLive) {
                w.leaRsp(-RED_ZONE).pushfq();
                w.incMem(counter, 8);
                w.popfq().leaRsp(RED_ZONE);
            } else {
                w.incMem(counter, 8);
            }
        };
    }

    /**
     * A hooked function's entry: calls += 1 and depth += 1 atomically, maximum depth raised to the new
     * depth (that store may race with another thread's: depth counts all threads together). rax and
     * the flags are saved below the red zone.
     *
     * @param record address of the function's hook record {calls, depth, max}
     */
    static void hookEntry(CodeWriter w, long record) {
        w.leaRsp(-RED_ZONE).pushfq().push(Reg.RAX);
        w.lock().incMem(Mem.rip(record), 8);
        w.movImm(Reg.RAX, 1);
        w.lock().xaddMemReg(Mem.rip(record + 8), Reg.RAX);
        w.lea(Reg.RAX, Mem.base(Reg.RAX, 1));
        w.cmpRegMem(Reg.RAX, Mem.rip(record + 16));
        unless(w, Condition.BE, t -> t.movMemReg(Mem.rip(record + 16), Reg.RAX));
        w.pop(Reg.RAX).popfq().leaRsp(RED_ZONE);
    }

    /**
     * A hooked function's exit (before a return or a tail call, where the ABI leaves the flags dead):
     * depth -= 1 atomically.
     */
    static void hookExit(CodeWriter w, long record) {
        w.lock().addMemImm(Mem.rip(record + 8), -1, 8);
    }

    /**
     * Size of a trace run's header page (docs/FORMATS.md section 3): the fields, the path of the file
     * that ran, zeros to the page's end. The threads' windows and the encoded chunks follow it.
     */
    static final int TRACE_HEADER = 4096;

    /**
     * The embedded trace recorder, inline: takes a slot of the thread's window by moving its
     * thread-local cursor down 4 bytes (one {@code xadd} without lock: only this thread writes it,
     * and a signal handler's probes between the two steps take other slots) and stores the probe
     * number + 1 there. A cursor whose low bits are zero (the window is full, or the thread has none
     * yet) calls the runtime, which writes the window out and returns a fresh cursor. rax is saved
     * below the red zone, the flags only where they may be live.
     *
     * @param w the writer
     * @param refill address of the runtime's ykrw_trace_refill_stub
     * @param tpoff thread-pointer offset of the cursor
     * @param windowBytes a window's record bytes (a power of two: the cursor's alignment when full)
     * @param probe the block's probe number
     */
    static void recordTrace(CodeWriter w, long refill, long tpoff, int windowBytes, int probe, boolean flagsLive) {
        w.leaRsp(-RED_ZONE);
        if (flagsLive) {
            w.pushfq();
        }
        w.push(Reg.RAX);
        w.movImm(Reg.RAX, -4);
        w.xaddMemReg(Mem.absolute(tpoff).withSegment(MemOperand.SEG_FS), Reg.RAX);
        w.testEaxImm(windowBytes - 1);
        unless(w, Condition.NE, t -> t.call(refill));
        w.movMemImm32(Mem.base(Reg.RAX, -4), probe + 1);
        w.pop(Reg.RAX);
        if (flagsLive) {
            w.popfq();
        }
        w.leaRsp(RED_ZONE);
    }

    /**
     * The embedded trace recorder of a shared library, which has no thread-local bytes of ykrw's:
     * a call of the runtime with the probe number + 1 in eax (rax saved below the red zone; the
     * runtime's stub keeps the flags and every other register).
     */
    static void recordTraceByCall(CodeWriter w, long stub, int probe) {
        w.leaRsp(-RED_ZONE).push(Reg.RAX);
        w.movImm(Reg.RAX, probe + 1L);
        w.call(stub);
        w.pop(Reg.RAX).leaRsp(RED_ZONE);
    }

    /**
     * Writes {@code body} behind a short conditional jump over it: the body runs unless {@code skip}
     * holds. The body is measured with the same code first, so the jump lands right after it.
     */
    private static void unless(CodeWriter w, Condition skip, Consumer<CodeWriter> body) {
        long start = w.address() + 2;
        CodeWriter measured = CodeWriter.measuring(start);
        body.accept(measured);
        w.jccShort(skip, start + measured.size());
        body.accept(w);
    }

    /**
     * Calls a runtime stub that keeps every other register: rdi and rsi carry the arguments and are
     * saved here, below the red zone.
     */
    static void callStub(CodeWriter w, ProbeContext c, String stub, long rdi, Long rsi) {
        w.leaRsp(-RED_ZONE).push(Reg.RDI);
        if (rsi != null) {
            w.push(Reg.RSI);
        }
        w.movImm(Reg.RDI, rdi);
        if (rsi != null) {
            w.movImm(Reg.RSI, rsi);
        }
        w.call(c.symbol(stub));
        if (rsi != null) {
            w.pop(Reg.RSI);
        }
        w.pop(Reg.RDI).leaRsp(RED_ZONE);
    }

    /**
     * Calls the tracer straight, saving only {@code save}: below the red zone, the flags first when they
     * are in it, then its GPRs. With {@code align}, rsp is aligned to 16 for the call without a register:
     * {@code push rsp; push [rsp]} leaves the old rsp in the slot {@code [rsp + 8]} whichever way
     * {@code and rsp, -16} moves it (the {@code and} changes the flags: they must be dead or saved).
     *
     * @param align align rsp (the tracer's code may need it, {@code Clobbers#needsAlignedStack})
     * @param save {@link Reg} bits: GPRs and FLAGS to keep (rdi and rsi among them when live, since they
     *     carry the arguments)
     * @param slot the import whose slot in the runtime's data to call through ({@code call [rip + slot]}),
     *     for code that cannot run before ld.so fills it; null: call the runtime's
     *     {@code ykrw_tracer_direct}, which waits until the tracer may run
     */
    static void callTracer(CodeWriter w, ProbeContext c, long save, boolean align, long rdi, Long rsi,
            PassRequests.Import slot) {
        w.leaRsp(-RED_ZONE);
        if ((save & Reg.bit(Reg.FLAGS)) != 0) {
            w.pushfq();
        }
        for (int r = 0; r < 16; r++) {
            if ((save & Reg.bit(r)) != 0) {
                w.push(r);
            }
        }
        if (align) {
            w.push(Reg.RSP).pushMem(TOP).andRegImm8(Reg.RSP, -16);
        }
        w.movImm(Reg.RDI, rdi);
        if (rsi != null) {
            w.movImm(Reg.RSI, rsi);
        }
        if (slot == null) {
            w.call(c.symbol("ykrw_tracer_direct"));
        } else {
            w.callMem(Mem.rip(c.symbol(slot.runtimeSymbol()) + slot.offset()));
        }
        if (align) {
            w.movRegMem(Reg.RSP, SAVED_RSP);
        }
        for (int r = 15; r >= 0; r--) {
            if ((save & Reg.bit(r)) != 0) {
                w.pop(r);
            }
        }
        if ((save & Reg.bit(Reg.FLAGS)) != 0) {
            w.popfq();
        }
        w.leaRsp(RED_ZONE);
    }

    private static final Mem TOP = Mem.base(Reg.RSP, 0);
    private static final Mem SAVED_RSP = Mem.base(Reg.RSP, 8);

    /**
     * A 5-byte site the runtime patches, with an out-of-line trampoline that runs {@code body} and
     * comes back after the site. The runtime's stores decide the alignment: a site that flips both
     * ways (a toggled sled) is rewritten with one 8-byte store, so all 5 bytes must sit in one 8-byte
     * word; a site that only ever turns off (--once) is rewritten in three steps whose two 2-byte
     * stores need only that its first two bytes share a word, which saves the padding NOP in most
     * blocks.
     *
     * @param enabled the site starts as {@code jmp trampoline} and only turns off (else it starts as a
     *     5-byte NOP and may flip both ways)
     * @return the site's number
     */
    static int patchSite(CodeWriter w, ProbeContext c, boolean enabled, java.util.function.BiConsumer<CodeWriter, ProbeContext> body) {
        int misalign = (int) (w.address() & 7);
        if (enabled ? misalign == 7 : misalign > 3) {
            w.nop(8 - misalign);
        }
        long site = w.address();
        long trampoline = c.trampoline(t -> {
            body.accept(t, c);
            t.jmp(site + 5);
        });
        if (enabled) {
            w.jmp(trampoline);
        } else {
            w.nop(5);
        }
        return c.patchSite(site, trampoline);
    }
}
