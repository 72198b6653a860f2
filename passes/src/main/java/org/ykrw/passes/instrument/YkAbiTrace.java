package org.ykrw.passes.instrument;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.ykrw.core.analysis.Clobbers;
import org.ykrw.core.analysis.Liveness;
import org.ykrw.core.diag.UnsupportedInputException;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Probe;
import org.ykrw.core.ir.Program;
import org.ykrw.core.ir.ProbeContext;
import org.ykrw.core.pass.PassInput;
import org.ykrw.core.pass.PassRequests;
import org.ykrw.core.x86.MemOperand;
import org.ykrw.core.x86.Reg;
import org.ykrw.core.x86.encode.CodeWriter;
import org.ykrw.core.x86.encode.Condition;
import org.ykrw.core.x86.encode.Mem;
import org.ykrw.passes.runtime.RunFiles;
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
    /** Where ld.so writes an imported byte's %fs offset: ykrw_config.tls_offset (RuntimeConfig). */
    private static final String TLS_SLOT_SYMBOL = "ykrw_config";
    private static final int TLS_SLOT_OFFSET = RuntimeConfig.TLS_OFFSET;
    /** {@code movzx ecx, byte fs:[disp32]} (the displacement follows) */
    private static final byte[] MOVZX_ECX_FS_DISP32 = {0x64, 0x0F, (byte) 0xB6, 0x0C, 0x25};
    /** {@code movzx ecx, byte fs:[rcx]} */
    private static final byte[] MOVZX_ECX_FS_RCX = {0x64, 0x0F, (byte) 0xB6, 0x09};
    /** {@code jrcxz rel8}: jumps when rcx is 0, flags untouched */
    private static final byte JRCXZ = (byte) 0xE3;
    /** {@code and rsp, -16} */
    private static final byte[] ALIGN_RSP = {0x48, (byte) 0x83, (byte) 0xE4, (byte) 0xF0};

    private YkAbiTrace() {
    }

    /**
     * Instruments every accepted block.
     *
     * @param context what the pass reads
     * @param requests what it asks of the output
     * @param trace the pass's settings (filter, tracing function, capacity, run files)
     * @param probeOf filled with block -> probe slot for the block map
     */
    static void run(PassInput context, PassRequests requests, TracePass.Settings trace, Map<Block, Integer> probeOf) {
        if (trace.toggle()) {
            throw new UnsupportedInputException("--abi yk has its own switch (the per-thread byte): drop --toggle");
        }
        Program program = context.program();
        OptionalLong programState = requests.threadLocals().programVariable(STATE);
        Optional<Function> programWrapper = program.functionByName(WRAPPER);
        Optional<Function> tracer = TracePass.findTracer(program, trace.traceFunction());
        boolean own = programState.isPresent() && programWrapper.isPresent();
        if (programState.isPresent() != programWrapper.isPresent()) {
            requests.note("trace: the program defines only one of " + STATE + " and " + WRAPPER
                    + ": the embedded runtime provides both");
        }
        boolean imported = !own && trace.traceLibrary() != null;
        if (own && trace.traceLibrary() != null) {
            requests.note("trace: " + trace.traceLibrary() + " not loaded: the program has " + STATE + " and " + WRAPPER);
        }
        Set<Function> excluded = own ? Clobbers.calledFrom(program, programWrapper.get())
                : tracer.filter(t -> !imported).map(t -> Clobbers.calledFrom(program, t)).orElse(Set.of());
        Source source = own ? new Source(programState.getAsLong(), false, programWrapper.get().entryAddress(), true)
                : imported ? new Source(0, true, -1, true)
                : new Source(requests.reserveThreadLocal(1, 1), false, -1, false);
        Liveness liveness = Liveness.of(program);
        int probes = 0;
        int flagsSaved = 0;
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
                boolean flagsLive = liveness.isFlagsLiveIn(b);
                flagsSaved += flagsLive ? 1 : 0;
                b.insertBefore(0, probe(source, id, flagsLive));
                probeOf.put(b, probes++);
            }
        }
        if (imported) {
            importFromLibrary(context, requests, trace);
        } else if (!own) {
            embedRuntime(context, requests, trace, tracer, source.tpoff(), probeOf);
        }
        BlockMapSection.add(context, requests, "trace", probeOf, List.of(), false);
        String from = own ? " of the program" : imported ? " of " + trace.traceLibrary() + " (imported)" : "";
        requests.note(String.format("trace (--abi yk): %,d blocks (%,d saving the flags) test %s and call %s",
                probes, flagsSaved,
                own || imported ? STATE + from : String.format("the runtime's byte at %%fs:%d", source.tpoff()),
                own || imported ? WRAPPER + from : tracer.map(t -> "the runtime's wrapper, which calls " + t.name())
                        .orElse("the runtime's wrapper (embedded recorder)")));
    }

    /**
     * Where a probe finds the byte and the wrapper.
     *
     * @param tpoff the byte's %fs offset, when constant
     * @param viaSlot the offset is read from the runtime's {@code tls_offset}, which ld.so fills (--trace-lib)
     * @param wrapper the program's wrapper's address, or -1 for the runtime's (which jumps to an imported one)
     * @param foreign the wrapper is compiled code under preserve_all: r11 is saved and the stack aligned
     */
    private record Source(long tpoff, boolean viaSlot, long wrapper, boolean foreign) {
    }

    /**
     * --trace-lib: the library's byte (an initial-exec import: ld.so writes its %fs offset into the
     * runtime's {@code tls_offset}) and wrapper (into the tracer slot, which the runtime's wrapper jumps
     * through).
     */
    private static void importFromLibrary(PassInput context, PassRequests requests, TracePass.Settings trace) {
        requests.addNeeded(trace.traceLibrary());
        requests.importFunction(RuntimeConfig.threadStateSlot(STATE));
        requests.importFunction(RuntimeConfig.tracerSlot(WRAPPER));
        int flags = RuntimeConfig.THREAD_STATE | RuntimeConfig.YK_IMPORTED | RuntimeConfig.TRACER_SLOT;
        RuntimeConfig.of(context, requests).addFlags(flags).runFiles(trace.runFiles());
        exportSwitches(context, requests);
    }

    /**
     * The runtime with its wrapper, recorder (or the program's tracer) and the byte's offset; the
     * wrapper records into the thread's window of the embedded recorder (TracePass.recorderRegion).
     */
    private static void embedRuntime(PassInput context, PassRequests requests, TracePass.Settings trace,
            Optional<Function> tracer, long state, Map<Block, Integer> probeOf) {
        boolean records = tracer.isEmpty();
        int flags = RuntimeConfig.THREAD_STATE | (records ? RuntimeConfig.TRACE_FILE : 0);
        RuntimeConfig config = RuntimeConfig.of(context, requests).addFlags(flags).runFiles(trace.runFiles())
                .tracer(tracer.map(Function::entryAddress).orElse(0L)).tlsOffset(state);
        if (records) {
            byte[] region = TracePass.recorderRegion(context, requests, probeOf, requests.reserveThreadLocal(16, 16),
                    trace.capacity(), true);
            config.region(ProbeContext.TRACE_REGION, "trace", region, region.length);
            RuntimeConfig.hookForks(context, requests);
        }
        exportSwitches(context, requests);
        if (context.linking() == PassInput.Linking.DYNAMIC_EXECUTABLE) {
            // by yk's name, so that `patch --disable` and `strip` find the wrapper as in ykllvm output
            if (context.program().functionByName(WRAPPER).isEmpty()) {
                requests.exportFunction(WRAPPER, EMBEDDED_WRAPPER);
            }
        }
    }

    /** Dynamically linked outputs export the switches (dlsym, debuggers). */
    private static void exportSwitches(PassInput context, PassRequests requests) {
        if (context.linking() == PassInput.Linking.DYNAMIC_EXECUTABLE) {
            requests.exportFunction("ykrw_trace_enable", "ykrw_trace_enable");
            requests.exportFunction("ykrw_trace_disable", "ykrw_trace_disable");
        }
    }

    /**
     * {@code cmp byte fs:[state], 0; jne call} with the call out of line. An imported byte's offset is
     * loaded into rax first (saved around it, so {@code pop} leaves the compare's flags), as ykllvm's
     * initial-exec access does. Where the flags may be live the test is made without touching them
     * ({@link #flagFreeTest}) rather than inside pushfq/popfq, which costs tens of cycles a block.
     */
    private static Probe probe(Source source, int id, boolean flagsLive) {
        if (flagsLive) {
            return flagFreeTest(source, id);
        }
        Mem constant = Mem.absolute(source.tpoff()).withSegment(MemOperand.SEG_FS);
        Mem loaded = Mem.base(Reg.RAX, 0).withSegment(MemOperand.SEG_FS);
        return (w, c) -> {
            if (source.viaSlot()) {
                w.leaRsp(-Probes.RED_ZONE).push(Reg.RAX).movRegMem(Reg.RAX, slot(c));
                w.cmpMemImm8(loaded, 0).pop(Reg.RAX);
            } else {
                w.cmpMemImm8(constant, 0);
            }
            long back = w.address() + 6;
            w.jcc(Condition.NE, trampoline(c, source, id, source.viaSlot(), false, back));
            if (source.viaSlot()) {
                w.leaRsp(Probes.RED_ZONE);
            }
        };
    }

    /**
     * The test with the flags kept: {@code movzx ecx, byte fs:[state]; jrcxz over; jmp call}, rcx saved
     * below the red zone ({@code jrcxz}, {@code lea}, {@code push} and {@code pop} leave the flags alone).
     */
    private static Probe flagFreeTest(Source source, int id) {
        return (w, c) -> {
            w.leaRsp(-Probes.RED_ZONE).push(Reg.RCX);
            if (source.viaSlot()) {
                w.movRegMem(Reg.RCX, slot(c)).bytes(MOVZX_ECX_FS_RCX);
            } else {
                w.bytes(MOVZX_ECX_FS_DISP32).bytes(le32(source.tpoff()));
            }
            long back = w.address() + 2 + 5;
            w.bytes(JRCXZ, (byte) 5);
            w.jmp(trampoline(c, source, id, true, true, back));
            w.pop(Reg.RCX).leaRsp(Probes.RED_ZONE);
        };
    }

    /** The out-of-line call, back to {@code back}; the flags kept around it when they may be live. */
    private static long trampoline(org.ykrw.core.ir.ProbeContext c, Source source, int id, boolean lowered,
            boolean flagsLive, long back) {
        return c.trampoline(t -> {
            if (flagsLive) {
                t.pushfq();
            }
            callWrapper(t, source.wrapper() >= 0 ? source.wrapper() : c.symbol(EMBEDDED_WRAPPER), id, source.foreign(),
                    lowered);
            if (flagsLive) {
                t.popfq();
            }
            t.jmp(back);
        });
    }

    private static Mem slot(org.ykrw.core.ir.ProbeContext c) {
        return Mem.rip(c.symbol(TLS_SLOT_SYMBOL) + TLS_SLOT_OFFSET);
    }

    private static byte[] le32(long v) {
        return new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
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
