package org.ykrw.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.ykrw.core.RewriteOptions;
import org.ykrw.core.Rewriter;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.emit.OutputFile;
import org.ykrw.core.report.BlockLoss;
import org.ykrw.core.pass.Pass;
import org.ykrw.passes.instrument.AflPass;
import org.ykrw.passes.instrument.BlockFilter;
import org.ykrw.passes.instrument.BlockMapSection;
import org.ykrw.passes.instrument.CoveragePass;
import org.ykrw.passes.instrument.TracePass;
import org.ykrw.passes.runtime.RunFiles;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ykrw instrument (--trace | --coverage | --counts | --once) IN -o OUT}. */
@Command(name = "instrument", description = "Rewrite IN with a probe at the start of every basic block:"
        + " yk tracing calls (--trace), coverage counters (--coverage, --counts, --once) or AFL++'s edge map (--afl).")
final class InstrumentCommand implements Callable<Integer> {
    @Mixin
    Outputs files;

    @Mixin
    VerifyOption verify;

    @Spec
    CommandSpec spec;

    @Option(names = "--trace", description = "Call the tracing function with (function index, block index)"
            + " at every block; without one in IN, an embedded recorder writes ykrw-trace.PID.bin. Combines with"
            + " one of --coverage, --counts, --once (one runtime, a run file each).")
    boolean trace;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    What what = new What();

    /** The one kind of coverage a run records. */
    static final class What {
        @Option(names = "--coverage", description = "Mark a byte per block (one instruction, no call).")
        boolean coverage;

        @Option(names = "--counts", description = "Count executions of every block (64-bit counters).")
        boolean counts;

        @Option(names = "--once", description = "Coverage whose probes turn themselves off after the first hit.")
        boolean once;

        @Option(names = "--afl", description = "AFL++ edge coverage and fork server: OUT is a target for afl-fuzz,"
                + " afl-showmap, afl-cmin and afl-tmin (docs/FUZZING.md); it runs alone too.")
        boolean afl;
    }

    @Option(names = "--afl-map-size", paramLabel = "BYTES", description = "With --afl: the edge map's size, a power"
            + " of two (default: 65536, or 4 bytes per block when that is more). A program and the libraries"
            + " instrumented with it must fit in the map afl-fuzz makes for the program.")
    int aflMapSize;

    @Option(names = "--afl-entry", paramLabel = "FN", description = "With --afl: start the fork server at the first"
            + " call of FN (a name or 0xADDRESS) instead of the entry point, so set-up before it runs once.")
    String aflEntry;

    @Option(names = "--afl-persistent", paramLabel = "FN", description = "With --afl: FN(const uint8_t *buf, size_t"
            + " len) parses one test case; the fuzzer's child calls it in a loop, one case after the other"
            + " (reading each from the file its last argument names, afl-fuzz's @@, else from standard input).")
    String aflPersistent;

    @Option(names = "--abi", paramLabel = "args2|packed32|yk", description = "Tracing ABI: args2 (default)"
            + " yk_trace_basicblock(size_t fn, size_t bb); packed32 __yk_trace_basicblock(uint32_t fn<<16|bb);"
            + " yk: a test of the thread's byte __yk_thread_tracing_state, then __yk_trace_basicblock_wrapper(fn<<16|bb)"
            + " (the embedded runtime provides both unless IN defines them; YKRW_TRACE=1 or ykrw_trace_enable sets it).")
    String abi = "args2";

    @Option(names = "--trace-fn", paramLabel = "NAME", description = "Tracing function to call (default by ABI).")
    String traceFunction;

    @Option(names = "--trace-lib", paramLabel = "LIB.so", description = "With --trace, when IN neither defines"
            + " nor imports the tracing function: load LIB.so (DT_NEEDED, found as ld.so finds libraries) and call"
            + " its tracing function.")
    String traceLibrary;

    @Option(names = "--toggle", description = "With --trace: NOP sleds the runtime flips; YKRW_TRACE=on|off"
            + " (or 1|0, true|false) sets the start state (default: --toggle-start).")
    boolean toggle;

    @Option(names = "--toggle-start", paramLabel = "on|off", description = "Tracing state at start when"
            + " YKRW_TRACE is unset (default off).")
    String toggleStart = "off";

    @Option(names = "--trace-capacity", paramLabel = "N", description = "Records the embedded trace recorder"
            + " keeps at most (default: no limit); later ones are counted as dropped, not kept.")
    Long traceCapacity;

    @Option(names = "--functions", paramLabel = "REGEX", description = "Instrument only functions whose whole name"
            + " matches (main.* for a prefix, .*foo.* for a part; ykrw functions lists them).")
    String only;

    @Option(names = "--skip-functions", paramLabel = "REGEX", description = "Leave functions whose whole name matches"
            + " alone.")
    String skip;

    @Option(names = "--hook-functions", paramLabel = "NAME", split = ",", description = "Count calls and the"
            + " maximum recursion depth of these functions (with --coverage, --counts or --once; alone it implies"
            + " --coverage).")
    List<String> hooks = new ArrayList<>();

    @Option(names = "--no-prune", description = "With --coverage or --counts: a probe in every block. By default"
            + " blocks whose count follows from other blocks' get none (reports fill them in); that is exact for"
            + " runs that end normally, not for one stopped by a signal (docs/RUNTIME.md).")
    boolean noPrune;

    @Option(names = "--run-dir", paramLabel = "DIR", description = "Absolute directory the runtime writes run files"
            + " to unless YKRW_COVERAGE_DIR / YKRW_TRACE_DIR says otherwise; a setuid, setgid or capability-raising"
            + " process ignores every YKRW_* variable and writes run files only here (none without --run-dir).")
    String runDirectory;

    @Option(names = "--run-mode", paramLabel = "OCTAL", description = "Permissions run files are created with"
            + " (default 0600; the umask applies).")
    String runMode;

    @Option(names = "--strict", description = "Fill the old code of moved functions with int3 (all but their"
            + " entry jumps and what must stay reachable): control the analysis missed stops the program with"
            + " one line naming the old address instead of running uninstrumented code.")
    boolean strict;

    @Option(names = "--report", description = "List every function left in place and every function that may"
            + " lose blocks to an unresolved indirect jump.")
    boolean report;

    @Option(names = "--map", paramLabel = "FILE.json", converter = OutputPath.Converter.class, description = "Also write the block map (fn, bb) ->"
            + " address, size, function (always embedded in OUT as section .ykrw.map); - for standard output.")
    Path map;

    @Override
    public Integer call() {
        files.destination();
        checkStandardOutput();
        Pattern onlyPattern = pattern("--functions", only);
        Pattern skipPattern = pattern("--skip-functions", skip);
        List<Pass> passes = passes(new BlockFilter(onlyPattern, skipPattern));
        ElfFile elf = RewriteInput.read(files.input);
        summariseImportedTracer(elf, passes);
        Rewriter.Result r = Inputs.withProgress(options -> Rewriter.rewrite(elf, options, passes,
                verify.applyTo(RewriteOptions.defaults().withStrict(strict))));
        files.write(r.output());
        if (OutputPath.isStdout(map)) {
            OutputPath.writeStdout(r.artifacts().get(BlockMapSection.ARTIFACT));
        } else if (map != null) {
            OutputFile.writeAtomically(map, r.artifacts().get(BlockMapSection.ARTIFACT), null);
        }
        r.passNotes().forEach(line -> System.err.println("ykrw: " + line));
        TracePass tracePass = passes.stream().filter(TracePass.class::isInstance).map(TracePass.class::cast)
                .findFirst().orElse(null);
        new IneffectiveOptions(this).afterRewrite(r.placements(), onlyPattern, skipPattern, tracePass);
        System.err.printf("ykrw: relocated %d of %d functions -> %s%n", r.relocated(), r.placements().size(),
                files.describe());
        if (r.strict() != null) {
            System.err.printf("ykrw:   %s%n", r.strict().summary());
        }
        String loss = BlockLoss.summary(r.mayLoseBlocks());
        if (loss != null) {
            System.err.printf("ykrw:   %s%s%n", loss, report ? "" : " (--report lists them)");
        }
        if (report) {
            LeftInPlace.list(r.placements());
            r.mayLoseBlocks().forEach(e -> System.out.println(e.describe()));
        }
        return 0;
    }

    /** Standard output takes one thing: the binary (-o -), the map (--map -) or the --report lines. */
    private void checkStandardOutput() {
        int takers = (files.toStdout() ? 1 : 0) + (OutputPath.isStdout(map) ? 1 : 0) + (report ? 1 : 0);
        if (takers > 1) {
            throw new UsageException("standard output can take one of -o -, --map - and --report (which prints there)");
        }
    }

    /** @return whether the command line gave {@code option} (its default value does not count) */
    boolean given(String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    /** @return the passes the options ask for: coverage first (its block map is the output's), then trace */
    private List<Pass> passes(BlockFilter filter) {
        boolean coverage = what.coverage || what.counts || what.once || !hooks.isEmpty();
        if (!trace && !coverage && !what.afl) {
            throw new ParameterException(spec.commandLine(),
                    "say what to instrument for: --trace, --coverage, --counts, --once, --afl or --hook-functions");
        }
        if (!what.afl && (aflMapSize != 0 || aflEntry != null || aflPersistent != null)) {
            throw new ParameterException(spec.commandLine(), "--afl-map-size, --afl-entry and --afl-persistent go with --afl");
        }
        if (what.afl) {
            if (trace || !hooks.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "--afl goes alone: no --trace or --hook-functions with it");
            }
            return List.of(aflPass(filter));
        }
        List<String> traceOnly = new ArrayList<>();
        for (String o : List.of("--abi", "--trace-fn", "--trace-lib", "--toggle", "--toggle-start", "--trace-capacity")) {
            if (given(o)) {
                traceOnly.add(o);
            }
        }
        if (!trace && !traceOnly.isEmpty()) {
            throw new ParameterException(spec.commandLine(), String.join(", ", traceOnly)
                    + (traceOnly.size() == 1 ? " goes" : " go") + " with --trace, not with the coverage passes");
        }
        if (trace && !hooks.isEmpty() && !(what.coverage || what.counts || what.once)) {
            throw new ParameterException(spec.commandLine(), "--hook-functions goes with the coverage passes, not --trace");
        }
        if (what.once && toggle) {
            throw new ParameterException(spec.commandLine(), "--once and --toggle cannot combine: both use the runtime's"
                    + " patch sites");
        }
        if (noPrune && (what.once || !coverage)) {
            throw new ParameterException(spec.commandLine(), "--no-prune goes with --coverage or --counts (--once"
                    + " probes every block)");
        }
        List<Pass> passes = new ArrayList<>();
        if (coverage) {
            CoveragePass.Mode mode = what.counts ? CoveragePass.Mode.COUNTS
                    : what.once ? CoveragePass.Mode.ONCE : CoveragePass.Mode.COVERAGE;
            passes.add(new CoveragePass(mode, filter, hooks).withRunFiles(runFiles()).withPruning(!noPrune));
        }
        if (trace) {
            passes.add(tracePass(filter));
        }
        return passes;
    }

    private TracePass tracePass(BlockFilter filter) {
        new IneffectiveOptions(this).beforeTrace();
        TracePass.Abi a = switch (abi) {
            case "args2" -> TracePass.Abi.ARGS2;
            case "packed32" -> TracePass.Abi.PACKED32;
            case "yk" -> TracePass.Abi.YK;
            default -> throw new ParameterException(spec.commandLine(), "--abi must be args2, packed32 or yk");
        };
        if (!toggleStart.equals("on") && !toggleStart.equals("off")) {
            throw new ParameterException(spec.commandLine(), "--toggle-start must be on or off");
        }
        if (traceCapacity != null && traceCapacity <= 0) {
            throw new ParameterException(spec.commandLine(), "--trace-capacity must be positive");
        }
        TracePass trace = new TracePass(a, traceFunction, filter, toggle, toggleStart.equals("on"), traceLibrary)
                .withCapacity(traceCapacity == null ? TracePass.NO_LIMIT : traceCapacity).withRunFiles(runFiles());
        if (traceLibrary != null) {
            TraceLibrary.Summary s = TraceLibrary.summarise(libraryLookup(), traceLibrary,
                    traceFunction != null ? traceFunction : a.defaultFunction());
            trace.withLibraryTracer(s.clobbers(), s.note());
        }
        return trace;
    }

    /**
     * A tracer the input imports itself, without --trace-lib: summarised from the library it needs
     * that defines it, as --trace-lib's is, so that its probes call it saving only what it may change.
     */
    private void summariseImportedTracer(ElfFile elf, List<Pass> passes) {
        for (Pass p : passes) {
            if (p instanceof TracePass t && traceLibrary == null && elf.dynamicSymbols().stream()
                    .anyMatch(s -> s.name().equals(t.traceFunction()) && !s.isDefined())) {
                TraceLibrary.Summary s = TraceLibrary.summariseImport(libraryLookup(), elf.neededLibraries(), t.traceFunction());
                t.withImportedTracer(s.clobbers(), s.note());
            }
        }
    }

    /** @return where ld.so will look for the output's libraries (--trace-lib's among them) */
    LibraryLookup libraryLookup() {
        return LibraryLookup.forProgram(files.input, files.output);
    }

    private Pass aflPass(BlockFilter filter) {
        if (toggle || traceFunction != null || traceLibrary != null) {
            throw new ParameterException(spec.commandLine(), "--afl takes no tracing options");
        }
        if (aflEntry != null && aflPersistent != null) {
            throw new ParameterException(spec.commandLine(), "give --afl-entry or --afl-persistent, not both");
        }
        AflPass.Start start = aflPersistent != null ? AflPass.Start.PERSISTENT
                : aflEntry != null ? AflPass.Start.DEFERRED : AflPass.Start.AT_ENTRY;
        try {
            return new AflPass(filter, aflMapSize, start, aflPersistent != null ? aflPersistent : aflEntry);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--afl-map-size: " + e.getMessage());
        }
    }

    private RunFiles runFiles() {
        int mode = 0;
        if (runMode != null) {
            if (!runMode.matches("0?[0-7]{1,3}")) {
                throw new ParameterException(spec.commandLine(), "--run-mode must be octal permissions, 0 to 0777, such as 0644");
            }
            mode = Integer.parseInt(runMode, 8);
            if (mode == 0) {
                throw new ParameterException(spec.commandLine(), "--run-mode 0 would make run files nobody can read");
            }
        }
        try {
            return new RunFiles(runDirectory, mode);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--run-dir/--run-mode: " + e.getMessage());
        }
    }

    private Pattern pattern(String option, String regex) {
        try {
            return regex == null ? null : Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new ParameterException(spec.commandLine(), option + ": " + e.getDescription());
        }
    }
}
