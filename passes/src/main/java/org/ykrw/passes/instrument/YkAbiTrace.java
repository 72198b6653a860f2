package org.ykrw.passes.instrument;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.ykrw.core.analysis.Liveness;
import org.ykrw.core.diag.UnsupportedInputException;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Probe;
import org.ykrw.core.ir.Program;
import org.ykrw.core.pass.PassContext;
import org.ykrw.core.x86.MemOperand;
import org.ykrw.core.x86.Reg;
import org.ykrw.core.x86.encode.CodeWriter;
import org.ykrw.core.x86.encode.Condition;
import org.ykrw.core.x86.encode.Mem;
import org.ykrw.passes.runtime.RunFiles;
import org.ykrw.passes.runtime.RuntimeBlob;
import org.ykrw.passes.runtime.RuntimeConfig;

/**
 * {@code --abi yk}: the probe ykllvm has emitted since December 2025 (NOTES section 1). Every block starts
 * with a test of the thread's tracing byte {@code __yk_thread_tracing_state} ({@code cmp byte
 * %fs:offset, 0}) and only when it is set calls {@code __yk_trace_basicblock_wrapper} with {@code edi =
 * fn << 16 | bb}, out of line, so a thread that is not tracing runs one compare and one untaken branch
 * per block.
 *
 * <p>The byte and the wrapper come from the program when it defines both (an executable's thread-local
 * variable, whose %fs offset its symbol gives); otherwise the embedded runtime provides both: the byte in
 * thread-local bytes reserved for it ({@link PassContext#reserveThreadLocal}), the wrapper
 * {@code ykrw_yk_wrapper}, which records like the embedded recorder or, when the program defines the
 * tracing function {@code __yk_trace_basicblock(uint32_t)}, calls that. {@code YKRW_TRACE=1} sets the
 * byte in every thread from its start; {@code ykrw_trace_enable}/{@code ykrw_trace_disable} set the
 * calling thread's.
 *
 * <p>The wrapper keeps every register but rdi (saved by the probe) under the preserve-all convention; a
 * program's own wrapper may clobber r11 as LLVM's preserve_all allows, so that is saved too. The flags are
 * saved around the test where {@link Liveness} says they may be live.
 */
final class YkAbiTrace {
    /** The thread-local byte ykllvm's probes test. */
    static final String STATE = "__yk_thread_tracing_state";
    /** The preserve-all wrapper ykllvm's probes call. */
    static final String WRAPPER = "__yk_trace_basicblock_wrapper";
    private static final String EMBEDDED_WRAPPER = "ykrw_yk_wrapper";
    /** {@code and rsp, -16} */
    private static final byte[] ALIGN_RSP = {0x48, (byte) 0x83, (byte) 0xE4, (byte) 0xF0};

    private YkAbiTrace() {
    }

    /**
     * Instruments every accepted block.
     *
     * @param context the pass context
     * @param trace the pass's settings (filter, tracing function, capacity, run files)
     * @param probeOf filled with block -> probe slot for the block map
     */
    static void run(PassContext context, TracePass.Settings trace, Map<Block, Integer> probeOf) {
        if (trace.toggle()) {
            throw new UnsupportedInputException("--abi yk has its own switch (the per-thread byte): drop --toggle");
        }
        if (trace.traceLibrary() != null) {
            throw new UnsupportedInputException("--abi yk with --trace-lib is not supported yet: define "
                    + STATE + " and " + WRAPPER + " in the program, or let the embedded runtime provide them");
        }
        Program program = context.program();
        OptionalLong programState = context.threadLocals().programVariable(STATE);
        Optional<Function> programWrapper = program.functionByName(WRAPPER);
        Optional<Function> tracer = TracePass.findTracer(program, trace.traceFunction());
        boolean own = programState.isPresent() && programWrapper.isPresent();
        if (programState.isPresent() != programWrapper.isPresent()) {
            context.note("trace: the program defines only one of " + STATE + " and " + WRAPPER
                    + ": the embedded runtime provides both");
        }
        Set<Function> excluded = own ? TracePass.calledFrom(program, programWrapper.get())
                : tracer.map(t -> TracePass.calledFrom(program, t)).orElse(Set.of());
        long state = own ? programState.getAsLong() : context.reserveThreadLocal(1, 1);
        Liveness liveness = Liveness.of(program);
        int probes = 0;
        for (Function f : program.functions()) {
            if (!trace.filter().accepts(context, f) || excluded.contains(f)) {
                continue;
            }
            for (Block b : f.blocks()) {
                if (f.index() > 0xFFFF || b.index() > 0xFFFF) {
                    throw new UnsupportedInputException(String.format(
                            "--abi yk: function %d block %d does not fit in 16 bits (use --abi args2 or --functions)",
                            f.index(), b.index()));
                }
                int id = f.index() << 16 | b.index();
                long wrapper = own ? programWrapper.get().entryAddress() : -1;
                b.insertBefore(0, probe(state, id, wrapper, liveness.isFlagsLiveIn(b)));
                probeOf.put(b, probes++);
            }
        }
        if (!own) {
            embedRuntime(context, trace, tracer, state, probeOf);
        }
        BlockMapSection.add(context, "trace", probeOf, List.of());
        context.note(String.format("trace (--abi yk): %,d blocks test %s at %%fs:%d and call %s", probes,
                own ? STATE + " of the program" : "the runtime's byte", state,
                own ? WRAPPER + " of the program" : tracer.map(t -> "the runtime's wrapper, which calls " + t.name())
                        .orElse("the runtime's wrapper (embedded recorder)")));
    }

    /**
     * The runtime with its wrapper, recorder (or the program's tracer) and the byte's offset; the
     * wrapper records into the thread's window of the embedded recorder (TracePass.recorderRegion).
     */
    private static void embedRuntime(PassContext context, TracePass.Settings trace, Optional<Function> tracer, long state,
            Map<Block, Integer> probeOf) {
        boolean records = tracer.isEmpty();
        int flags = RuntimeConfig.THREAD_STATE | (records ? RuntimeConfig.TRACE_FILE : 0);
        RuntimeConfig config = new RuntimeConfig(flags, tracer.map(Function::entryAddress).orElse(0L), context.mapId(),
                context.inputName(), trace.runFiles(), state);
        byte[] region = records
                ? TracePass.recorderRegion(context, probeOf, context.reserveThreadLocal(16, 16), trace.capacity(), true)
                : new byte[0];
        context.useRuntime(config.embed(RuntimeBlob.load(), region, region.length));
        if (records) {
            RuntimeConfig.hookForks(context);
        }
        if (context.linking() == PassContext.Linking.DYNAMIC_EXECUTABLE) {
            context.exportFunction("ykrw_trace_enable", "ykrw_trace_enable");
            context.exportFunction("ykrw_trace_disable", "ykrw_trace_disable");
        }
    }

    /**
     * {@code cmp byte fs:[state], 0; jne call} with the call out of line; between pushfq and popfq below
     * the red zone when the flags may be live.
     *
     * @param wrapper the program's wrapper's address, or -1 for the runtime's
     */
    private static Probe probe(long state, int id, long wrapper, boolean flagsLive) {
        Mem byteOfThread = Mem.absolute(state).withSegment(MemOperand.SEG_FS);
        return (w, c) -> {
            if (flagsLive) {
                w.leaRsp(-Probes.RED_ZONE).pushfq();
            }
            w.cmpMemImm8(byteOfThread, 0);
            long back = w.address() + 6;
            long call = c.trampoline(t -> {
                callWrapper(t, wrapper >= 0 ? wrapper : c.symbol(EMBEDDED_WRAPPER), id, wrapper >= 0, flagsLive);
                t.jmp(back);
            });
            w.jcc(Condition.NE, call);
            if (flagsLive) {
                w.popfq().leaRsp(Probes.RED_ZONE);
            }
        };
    }

    private static void callWrapper(CodeWriter t, long target, int id, boolean foreign, boolean belowRedZone) {
        if (!belowRedZone) {
            t.leaRsp(-Probes.RED_ZONE);
        }
        t.push(Reg.RDI);
        if (foreign) {
            // the program's wrapper is compiled code: give it the stack alignment a call site has
            t.push(Reg.R11).push(Reg.RBP).movRegReg(Reg.RBP, Reg.RSP).bytes(ALIGN_RSP);
        }
        t.movImm(Reg.RDI, id);
        t.call(target);
        if (foreign) {
            t.movRegReg(Reg.RSP, Reg.RBP).pop(Reg.RBP).pop(Reg.R11);
        }
        t.pop(Reg.RDI);
        if (!belowRedZone) {
            t.leaRsp(Probes.RED_ZONE);
        }
    }
}
