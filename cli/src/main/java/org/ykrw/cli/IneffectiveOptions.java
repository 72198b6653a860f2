package org.ykrw.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.ykrw.core.layout.FunctionPlacement;
import org.ykrw.core.pass.Pass;
import org.ykrw.passes.instrument.TracePass;

/**
 * The options of {@code instrument} that were given but can do nothing on this input, each said in
 * one warning line (issue 16: a filter that matches nothing looked as if it had worked). Warnings
 * leave the exit status alone: the output is what was asked for, only the option had no effect.
 * Options that contradict the mode (a tracing option without --trace) are usage errors instead, in
 * {@link InstrumentCommand}.
 */
final class IneffectiveOptions {
    private final InstrumentCommand command;

    IneffectiveOptions(InstrumentCommand command) {
        this.command = command;
    }

    /** Before a --trace rewrite: options that only another option makes work. */
    void beforeTrace() {
        if (command.given("--toggle-start") && !command.toggle) {
            Main.warn("--toggle-start sets the start state of --toggle sleds; without --toggle every probe calls at once");
        }
    }

    /**
     * After the rewrite: filters that matched nothing, a library to load that ld.so will not find (or
     * that lacks the tracer), and options of the embedded recorder when the probes call a tracing
     * function instead.
     *
     * @param placements every function of IN, moved or not
     * @param only --functions, or null
     * @param skip --skip-functions, or null
     * @param pass the pass that ran
     */
    void afterRewrite(List<FunctionPlacement> placements, Pattern only, Pattern skip, Pass pass) {
        if (only != null) {
            List<FunctionPlacement> matching = matching(placements, only);
            if (matching.isEmpty()) {
                Main.warn("--functions '" + only + "' matches no function of " + command.files.input
                        + ", so no block is instrumented (it matches whole names: '" + only + ".*' for a prefix;"
                        + " ykrw functions lists the names)");
            } else if (matching.stream().noneMatch(FunctionPlacement::relocated)) {
                Main.warn("--functions '" + only + "' matches only functions that stay in place (" + matching.size()
                        + "; ykrw functions says why), so no block is instrumented");
            }
        }
        if (skip != null && matching(placements, skip).isEmpty()) {
            Main.warn("--skip-functions '" + skip + "' matches no function of " + command.files.input
                    + " (it matches whole names)");
        }
        if (pass instanceof TracePass trace && trace.importsTracer()) {
            checkTraceLibrary(trace.traceFunction());
        }
        if (pass instanceof TracePass trace && !trace.usesRecorder()) {
            for (String o : List.of("--trace-capacity", "--run-dir", "--run-mode")) {
                if (command.given(o)) {
                    Main.warn(o + " is for the embedded recorder's trace file, and the probes call the tracing"
                            + " function instead: no trace file is written");
                }
            }
        } else if (pass instanceof TracePass && command.traceFunction != null) {
            Main.warn("--trace-fn " + command.traceFunction + ": " + command.files.input + " neither defines nor imports it,"
                    + " so the embedded recorder records the blocks (--trace-lib LIB.so loads a library that has it)");
        }
    }

    /** A library the output loads (--trace-lib) that ld.so would not find here, or that lacks the tracer. */
    private void checkTraceLibrary(String function) {
        String name = command.traceLibrary;
        LibraryLookup lookup = command.libraryLookup();
        Path library = lookup.locate(name);
        if (library == null) {
            Main.warn("--trace-lib " + name + ": " + lookup.whyMissing(name) + "; the output will not start unless it"
                    + " is there when the program runs");
        } else if (!LibraryLookup.exports(library, function)) {
            Main.warn("--trace-lib " + name + ": " + library + " does not export " + function + "; the output will not"
                    + " start with it (ld.so: undefined symbol)");
        }
    }

    private static List<FunctionPlacement> matching(List<FunctionPlacement> placements, Pattern p) {
        return placements.stream().filter(f -> p.matcher(f.function().name()).matches()).toList();
    }
}
