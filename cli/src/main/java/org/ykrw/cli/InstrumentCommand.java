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
import org.ykrw.core.layout.FunctionPlacement;
import org.ykrw.core.report.BlockLoss;
import org.ykrw.core.pass.Pass;
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
        + " yk tracing calls (--trace) or coverage counters (--coverage, --counts, --once).")
final class InstrumentCommand implements Callable<Integer> {
    @Mixin
    Outputs files;

    @Spec
    CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    What what = new What();

    /** The one thing a run instruments for. */
    static final class What {
        @Option(names = "--trace", description = "Call the tracing function with (function index, block index)"
                + " at every block; without one in IN, an embedded recorder writes ykrw-trace.PID.bin.")
        boolean trace;

        @Option(names = "--coverage", description = "Mark a byte per block (one instruction, no call).")
        boolean coverage;

        @Option(names = "--counts", description = "Count executions of every block (64-bit counters).")
        boolean counts;

        @Option(names = "--once", description = "Coverage whose probes turn themselves off after the first hit.")
        boolean once;
    }

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

    @Option(names = "--toggle", description = "With --trace: NOP sleds the runtime flips; YKRW_TRACE=1|0 sets"
            + " the start state (default: --toggle-start).")
    boolean toggle;

    @Option(names = "--toggle-start", paramLabel = "on|off", description = "Tracing state at start when"
            + " YKRW_TRACE is unset (default off).")
    String toggleStart = "off";

    @Option(names = "--trace-capacity", paramLabel = "N", description = "Records the embedded trace recorder"
            + " keeps at most (default: no limit); later ones are counted as dropped, not kept.")
    Long traceCapacity;

    @Option(names = "--functions", paramLabel = "REGEX", description = "Instrument only functions whose name matches.")
    String only;

    @Option(names = "--skip-functions", paramLabel = "REGEX", description = "Leave functions whose name matches alone.")
    String skip;

    @Option(names = "--hook-functions", paramLabel = "NAME", split = ",", description = "Count calls and the"
            + " maximum recursion depth of these functions (with --coverage, --counts or --once; alone it implies"
            + " --coverage).")
    List<String> hooks = new ArrayList<>();

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

    @Option(names = "--map", paramLabel = "FILE.json", description = "Also write the block map (fn, bb) ->"
            + " address, size, function (always embedded in OUT as section .ykrw.map).")
    Path map;

    @Override
    public Integer call() {
        Path out = files.destination();
        BlockFilter filter = new BlockFilter(pattern("--functions", only), pattern("--skip-functions", skip));
        Pass pass = pass(filter);
        ElfFile elf = RewriteInput.read(files.input);
        Rewriter.Result r = Inputs.withProgress(options -> Rewriter.rewrite(elf, options, List.of(pass),
                RewriteOptions.defaults().withStrict(strict)));
        files.write(r.output());
        if (map != null) {
            OutputFile.writeAtomically(map, r.artifacts().get(BlockMapSection.ARTIFACT), null);
        }
        r.passNotes().forEach(line -> System.err.println("ykrw: " + line));
        System.err.printf("ykrw: relocated %d of %d functions -> %s%n", r.relocated(), r.placements().size(), out);
        if (r.strict() != null) {
            System.err.printf("ykrw:   %s%n", r.strict().summary());
        }
        String loss = BlockLoss.summary(r.mayLoseBlocks());
        if (loss != null) {
            System.err.printf("ykrw:   %s%s%n", loss, report ? "" : " (--report lists them)");
        }
        if (report) {
            for (FunctionPlacement p : r.placements()) {
                if (!p.relocated()) {
                    System.out.printf("left in place: %s at 0x%x: %s%n", p.function().name(),
                            p.function().entryAddress(), p.reason());
                }
            }
            r.mayLoseBlocks().forEach(e -> System.out.println(e.describe()));
        }
        return 0;
    }

    private Pass pass(BlockFilter filter) {
        if (!what.trace && !what.coverage && !what.counts && !what.once && hooks.isEmpty()) {
            throw new ParameterException(spec.commandLine(),
                    "say what to instrument for: --trace, --coverage, --counts, --once or --hook-functions");
        }
        if (what.trace) {
            if (!hooks.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "--hook-functions goes with the coverage passes, not --trace");
            }
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
            return new TracePass(a, traceFunction, filter, toggle, toggleStart.equals("on"), traceLibrary)
                    .withCapacity(traceCapacity == null ? TracePass.NO_LIMIT : traceCapacity).withRunFiles(runFiles());
        }
        if (toggle || traceFunction != null || traceLibrary != null) {
            throw new ParameterException(spec.commandLine(), "--toggle, --trace-fn and --trace-lib go with --trace");
        }
        CoveragePass.Mode mode = what.counts ? CoveragePass.Mode.COUNTS
                : what.once ? CoveragePass.Mode.ONCE : CoveragePass.Mode.COVERAGE;
        return new CoveragePass(mode, filter, hooks).withRunFiles(runFiles());
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
