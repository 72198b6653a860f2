package org.ykrw.passes.instrument;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import org.ykrw.core.diag.UnsupportedInputException;
import org.ykrw.core.analysis.Clobbers;
import org.ykrw.core.analysis.Liveness;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Probe;
import org.ykrw.core.ir.ProbeContext;
import org.ykrw.core.ir.Program;
import org.ykrw.core.pass.Pass;
import org.ykrw.core.pass.PassInput;
import org.ykrw.core.pass.PassRequests;
import org.ykrw.core.x86.FlowKind;
import org.ykrw.core.x86.Reg;
import org.ykrw.core.x86.encode.CodeWriter;
import org.ykrw.passes.runtime.RunFiles;
import org.ykrw.passes.runtime.RuntimeConfig;

/**
 * yk's software tracing, inserted: at the start of every block a call with the block's
 * (function index, block index), in one of the ABIs yk has used (NOTES section 1).
 *
 * <p>When the program defines or imports the tracing function, the probe calls it and keeps what the
 * call could change and the program may still read: the registers live at the block (SysV liveness,
 * {@link Liveness}) that the tracer may clobber ({@link Clobbers}, from its code in the program or in
 * the {@code --trace-lib} library; every caller-saved register when its code is unknown). Where that
 * includes a vector register, or the tracer may touch x87/MMX state, the probe goes through the
 * runtime's {@code ykrw_tracer_stub}, which keeps every register, the flags and the extended state
 * (xsave); elsewhere it saves the GPRs and flags needed and calls the tracer directly (an imported one
 * through the slot ld.so fills with its address). Otherwise the runtime's own recorder writes the pairs to
 * {@code ykrw-trace.<pid>.bin}. Functions the tracing function calls (directly, transitively) are not
 * instrumented: their probes would call the tracer from inside itself.
 *
 * <p>With {@code toggle}, each probe is a 5-byte NOP the runtime flips to a jump into an out-of-line
 * trampoline that makes the call, so a program pays one NOP per block while tracing is off.
 */
public final class TracePass implements Pass {
    /** How the indices reach the tracing function. */
    public enum Abi {
        /** {@code yk_trace_basicblock(size_t fn, size_t bb)}. */
        ARGS2("yk_trace_basicblock"),
        /** {@code __yk_trace_basicblock(uint32_t fn << 16 | bb)}. */
        PACKED32("__yk_trace_basicblock"),
        /** yk's probe since December 2025: a per-thread byte tested, then a preserve-all wrapper ({@link YkAbiTrace}). */
        YK("__yk_trace_basicblock");

        private final String defaultFunction;

        Abi(String defaultFunction) {
            this.defaultFunction = defaultFunction;
        }

        /** @return the tracing function's name in this ABI */
        public String defaultFunction() {
            return defaultFunction;
        }
    }

    private final Abi abi;
    private final String traceFunction;
    private final BlockFilter filter;
    /** Whether the last run records into the embedded recorder (see {@link #usesRecorder()}). */
    private boolean usesRecorder;
    /** Whether the last run imports the tracer from the library given (see {@link #importsTracer()}). */
    private boolean importsTracer;
    private final boolean toggle;
    private final boolean startOn;
    private final String traceLibrary;
    private final Map<Block, Integer> probeOf = new HashMap<>();
    private RunFiles runFiles = RunFiles.DEFAULT;
    private Clobbers libraryTracer = Clobbers.UNKNOWN;
    private String libraryTracerNote;
    private Clobbers importedTracer = Clobbers.UNKNOWN;
    private String importedTracerNote;

    /**
     * @param clobbers what the {@code --trace-lib} library's tracing function may change (default:
     *     unknown code, every caller-saved register)
     * @param note where that came from, for the pass's notes (null: none)
     * @return this pass
     */
    public TracePass withLibraryTracer(Clobbers clobbers, String note) {
        this.libraryTracer = java.util.Objects.requireNonNull(clobbers);
        this.libraryTracerNote = note;
        return this;
    }

    /**
     * @param clobbers what the tracing function the program itself imports (through its PLT) may
     *     change, from the library that defines it, lazy binding included (default: unknown code)
     * @param note where that came from, for the pass's notes (null: none)
     * @return this pass
     */
    public TracePass withImportedTracer(Clobbers clobbers, String note) {
        this.importedTracer = java.util.Objects.requireNonNull(clobbers);
        this.importedTracerNote = note;
        return this;
    }

    /**
     * @param files where the runtime creates run files and with which permissions (instrument
     *     --run-dir, --run-mode)
     * @return this pass
     */
    public TracePass withRunFiles(RunFiles files) {
        this.runFiles = java.util.Objects.requireNonNull(files);
        return this;
    }
    private long capacity = NO_LIMIT;

    /** A capacity that keeps every record (the file grows as the run records). */
    public static final long NO_LIMIT = 0;

    /** Record bytes of a thread's window: 16,383 records between two calls into the runtime. */
    static final int WINDOW_BYTES = 64 << 10;

    /** The runtime's entry for a full (or missing) window. */
    private static final String REFILL = "ykrw_trace_refill_stub";

    /** The runtime's entry for each record of a shared library. */
    private static final String RECORD = "ykrw_trace_record_stub";

    /**
     * @param records how many records the embedded recorder's run keeps at most (later ones are counted as
     *     dropped), or {@link #NO_LIMIT}
     * @return this pass
     */
    public TracePass withCapacity(long records) {
        if (records < 0) {
            throw new IllegalArgumentException("trace capacity must be positive");
        }
        this.capacity = records;
        return this;
    }

    /**
     * @param abi how indices are passed to the program's tracing function
     * @param traceFunction the tracing function's name (null: the ABI's)
     * @param filter which functions to trace
     * @param toggle emit NOP sleds the runtime flips
     * @param startOn with toggle: tracing starts on when YKRW_TRACE is unset
     */
    public TracePass(Abi abi, String traceFunction, BlockFilter filter, boolean toggle, boolean startOn) {
        this(abi, traceFunction, filter, toggle, startOn, null);
    }

    /**
     * @param abi how indices are passed to the tracing function
     * @param traceFunction the tracing function's name (null: the ABI's)
     * @param filter which functions to trace
     * @param toggle emit NOP sleds the runtime flips
     * @param startOn with toggle: tracing starts on when YKRW_TRACE is unset
     * @param traceLibrary when the program neither defines nor imports the tracing function, a shared
     *     library (as DT_NEEDED names it) to import it from; null: use the embedded recorder then
     */
    public TracePass(Abi abi, String traceFunction, BlockFilter filter, boolean toggle, boolean startOn,
            String traceLibrary) {
        this.traceLibrary = traceLibrary;
        this.abi = abi;
        this.traceFunction = traceFunction != null ? traceFunction : abi.defaultFunction();
        this.filter = filter;
        this.toggle = toggle;
        this.startOn = startOn;
    }

    @Override
    public String name() {
        return "trace";
    }

    /** What {@link YkAbiTrace} takes from this pass's settings. */
    record Settings(BlockFilter filter, String traceFunction, String traceLibrary, boolean toggle, RunFiles runFiles,
            long capacity) {
    }

    @Override
    public void run(PassInput input, PassRequests requests) {
        if (abi == Abi.YK) {
            YkAbiTrace.run(input, requests, new Settings(filter, traceFunction, traceLibrary, toggle, runFiles, capacity), probeOf);
            return;
        }
        Program program = input.program();
        Optional<Function> tracer = findTracer(program, traceFunction);
        Set<Function> excluded = tracer.map(t -> Clobbers.calledFrom(program, t)).orElse(Set.of());
        boolean imported = tracer.isEmpty() && traceLibrary != null;
        PassRequests.Import slot = imported ? RuntimeConfig.tracerSlot(traceFunction) : null;
        if (imported) {
            // ld.so loads the library and writes the tracer's address into the runtime's config.
            requests.addNeeded(traceLibrary);
            requests.importFunction(slot);
        }
        // Probes call an imported tracer through that slot, except in code ld.so runs while it relocates
        // the file (IFUNC resolvers and what they call): glibc fills the slot first (it defers a file's
        // IRELATIVE relocations to the end), but no library's initialiser, the tracer's included, has run
        // yet. Those go through the runtime, which waits for start-up as every probe did before.
        Set<Function> beforeRelocated = new HashSet<>();
        if (imported) {
            for (long resolver : input.relocations().resolvers()) {
                Function f = program.functionAt(resolver);
                if (f != null) {
                    beforeRelocated.addAll(Clobbers.calledFrom(program, f));
                }
            }
        }
        if (tracer.isPresent() && traceLibrary != null) {
            requests.note("trace: " + traceLibrary + " not loaded: the program has " + tracer.get().name());
        }
        boolean calls = tracer.isPresent() || imported;
        usesRecorder = !calls;
        importsTracer = imported;
        // Calls of the tracer save what is live across calls the compiler saw too (GCC's -fipa-ra).
        Liveness liveness = Liveness.of(program, calls ? Liveness.Convention.INTERPROCEDURAL : Liveness.Convention.SYSV);
        boolean guard = excluded.stream().anyMatch(TracePass::leavesThroughPointers);
        Clobbers clobbers = tracer.map(t -> t.isPlt() ? importedTracer : Clobbers.of(program, t)).orElse(libraryTracer);
        // the recorder's thread-local cursor and window (docs/FORMATS.md section 3); a shared library
        // cannot have thread-local bytes of ykrw's, so its probes call the runtime for every record
        boolean library = input.linking() == PassInput.Linking.SHARED_LIBRARY;
        long tpoff = calls || library ? 0 : requests.reserveThreadLocal(16, 16);
        int probes = 0;
        int stubbed = 0;
        int early = 0;
        for (Function f : program.functions()) {
            if (!filter.accepts(input, f) || excluded.contains(f)) {
                continue;
            }
            boolean waits = beforeRelocated.contains(f);
            for (Block b : f.blocks()) {
                Probe probe;
                if (calls) {
                    long save = guard ? -1 : saved(liveness.liveIn(b), clobbers);
                    stubbed += save < 0 ? 1 : 0;
                    early += save >= 0 && waits ? 1 : 0;
                    probe = probe(arguments(f.index(), b.index(), true), save, clobbers.needsAlignedStack(),
                            waits ? null : slot);
                } else {
                    probe = recorder(tpoff, probes, liveness.isFlagsLiveIn(b));
                }
                b.insertBefore(0, probe);
                probeOf.put(b, probes++);
            }
        }
        int flags = (calls ? 0 : RuntimeConfig.TRACE_FILE) | (guard ? RuntimeConfig.TRACER_GUARD : 0) | (toggle ? RuntimeConfig.TOGGLE : 0)
                | (startOn ? RuntimeConfig.TRACE_DEFAULT_ON : 0) | (imported ? RuntimeConfig.TRACER_SLOT : 0);
        RuntimeConfig config = RuntimeConfig.of(input, requests).addFlags(flags).runFiles(runFiles)
                .tracer(tracer.map(Function::entryAddress).orElse(0L));
        if (!calls) {
            byte[] region = recorderRegion(input, requests, probeOf, tpoff, capacity, false);
            config.region(ProbeContext.TRACE_REGION, name(), region, region.length);
            RuntimeConfig.hookForks(input, requests);
        }
        if (toggle && input.linking().isDynamic()) {
            // Other libraries, the program itself (dlsym) and debuggers can then flip tracing.
            requests.exportFunction("ykrw_trace_enable", "ykrw_trace_enable");
            requests.exportFunction("ykrw_trace_disable", "ykrw_trace_disable");
        }
        BlockMapSection.add(input, requests, name(), probeOf, List.of(), false);
        requests.note(String.format("trace: %,d blocks call %s%s%s", probes,
                tracer.map(t -> t.name() + String.format(" at 0x%x", t.entryAddress()))
                        .orElse(imported ? traceFunction + " of " + traceLibrary + " (imported)" : "the embedded recorder"),
                toggle ? " (toggled sleds, start " + (startOn ? "on" : "off") + ")" : "",
                excluded.isEmpty() ? "" : String.format("; %d functions the tracer calls left untraced", excluded.size())));
        if (imported && libraryTracerNote != null) {
            requests.note(libraryTracerNote);
        }
        if (tracer.isPresent() && tracer.get().isPlt() && importedTracerNote != null) {
            requests.note(importedTracerNote);
        }
        if (imported && probes > stubbed) {
            requests.note(String.format("trace: direct probes call through the slot ld.so fills, except %,d in IFUNC"
                    + " resolvers and what they call (run before the tracer's library is initialised), which wait for start-up", early));
        }
        if (calls) {
            requests.note(String.format("trace: the tracer may change %s; %,d probes call it directly, %,d through the"
                    + " saving stub%s", clobbers, probes - stubbed, stubbed, stubbed == 0 ? ""
                    : guard ? " (the tracer may re-enter traced code)" : " (a vector register it may change is live)"));
        }
    }

    /**
     * @return after the pass ran: true when the probes record into the embedded recorder's trace file
     *     (IN neither defines nor imports the tracing function, and no library was given), false when they call it
     */
    public boolean usesRecorder() {
        return usesRecorder;
    }

    /** @return after the pass ran: true when the output loads the library given and imports the tracer from it */
    public boolean importsTracer() {
        return importsTracer;
    }

    /** @return the name of the tracing function the probes call (given, or the ABI's) */
    public String traceFunction() {
        return traceFunction;
    }

    /** @return the map the pass wrote (block -> probe slot), for --map */
    public Map<Block, Integer> probes() {
        return probeOf;
    }

    static Optional<Function> findTracer(Program program, String traceFunction) {
        Optional<Function> f = program.functionByName(traceFunction);
        return f.isPresent() ? f : program.functionByName(traceFunction + "@plt");
    }

    /** rdi, rsi for the call: both indices, or for packed32 one 32-bit id (rsi unused then). */
    private long[] arguments(int fn, int bb, boolean programTracer) {
        if (abi == Abi.PACKED32 && programTracer) {
            if (fn > 0xFFFF || bb > 0xFFFF) {
                throw new UnsupportedInputException(String.format(
                        "packed32: function %d block %d does not fit in 16 bits (use --abi args2 or --functions)", fn, bb));
            }
            return new long[] {(long) fn << 16 | bb};
        }
        return new long[] {fn, bb};
    }

    /**
     * @param live registers live at the block
     * @param clobbers what the tracer may change
     * @return the GPRs and flags a direct call must save there (rdi and rsi, which carry the arguments,
     *     when live), or -1 when the call must go through the stub that saves the extended state
     */
    private long saved(long live, Clobbers clobbers) {
        long changed = clobbers.registers() | Reg.bit(Reg.FLAGS) | Reg.bit(Reg.RDI)
                | (abi == Abi.ARGS2 ? Reg.bit(Reg.RSI) : 0);
        if (clobbers.touchesUntracked() || (live & changed & Reg.ALL_VECTORS) != 0) {
            return -1;
        }
        return live & changed & ~Reg.ALL_VECTORS;
    }

    /**
     * A call of the program's (or the library's) tracing function: direct, saving {@code save} (and
     * aligning rsp when {@code align}), or through the runtime's stub when {@code save} is -1. A direct
     * call goes through {@code slot} when there is one (an imported tracer), else through the runtime.
     */
    private Probe probe(long[] args, long save, boolean align, PassRequests.Import slot) {
        Long rsi = args.length > 1 ? args[1] : null;
        BiConsumer<CodeWriter, ProbeContext> call = save < 0
                ? (w, c) -> Probes.callStub(w, c, "ykrw_tracer_stub", args[0], rsi)
                : (w, c) -> Probes.callTracer(w, c, save, align, args[0], rsi, slot);
        if (!toggle) {
            return call::accept;
        }
        return (w, c) -> Probes.patchSite(w, c, false, call);
    }

    /**
     * The embedded recorder, inline (behind a sled with --toggle, where the flags are saved anyway); in
     * a shared library (tpoff 0), a call of the runtime.
     */
    private Probe recorder(long tpoff, int probe, boolean flagsLive) {
        java.util.function.BiConsumer<CodeWriter, ProbeContext> record = (w, c) -> {
            if (tpoff == 0) {
                Probes.recordTraceByCall(w, c.symbol(RECORD), probe);
            } else {
                Probes.recordTrace(w, c.symbol(REFILL), tpoff, WINDOW_BYTES, probe, flagsLive || toggle);
            }
        };
        return toggle ? (w, c) -> Probes.patchSite(w, c, false, record) : record::accept;
    }

    /**
     * The embedded recorder's run-file region: the trace run's header page as ykrw knows it
     * (docs/FORMATS.md section 3; the runtime adds pid, bias and path, and allocates the rest of the file
     * as threads record), then the successor table, which also goes into section .ykrw.trace for trace
     * dump; for {@code --abi yk}'s wrapper, then each function's first probe number.
     *
     * @param probeOf the probes, numbered from 0 in function and block order
     * @param tpoff the thread-pointer offset of the recorder's cursor and window (0: none, a shared library)
     * @param capacity records the run keeps at most, or {@link #NO_LIMIT}
     * @param functionBases append the functions' first probe numbers
     */
    static byte[] recorderRegion(PassInput context, PassRequests requests, Map<Block, Integer> probeOf, long tpoff,
            long capacity, boolean functionBases) {
        byte[] table = TraceSuccessors.build(context.program(), probeOf, WINDOW_BYTES, tpoff, capacity);
        requests.addUnloadedSection(TraceSuccessors.SECTION_NAME, () -> table);
        java.nio.ByteBuffer h = java.nio.ByteBuffer.allocate(Probes.TRACE_HEADER + table.length
                + (functionBases ? 4 * context.program().functions().size() : 0)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        h.put("YKRWTRC2".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        h.putInt(Probes.TRACE_HEADER).putInt(WINDOW_BYTES).putLong(Probes.TRACE_HEADER).putLong(0).putLong(context.mapId());
        h.put(Probes.TRACE_HEADER, table);
        if (functionBases) {
            int at = Probes.TRACE_HEADER + table.length;
            java.util.Arrays.fill(h.array(), at, h.capacity(), (byte) 0xFF);
            for (Map.Entry<Block, Integer> e : probeOf.entrySet()) {
                if (e.getKey().index() == 0) {
                    h.putInt(at + 4 * e.getKey().function().index(), e.getValue());
                }
            }
        }
        return h.array();
    }

    /** @return true when f calls or jumps through a pointer: the tracer may then reach traced code */
    private static boolean leavesThroughPointers(Function f) {
        return f.blocks().stream().flatMap(b -> b.instructions().stream())
                .anyMatch(i -> i.flow() == FlowKind.INDIRECT_CALL || i.flow() == FlowKind.INDIRECT_JUMP);
    }
}
