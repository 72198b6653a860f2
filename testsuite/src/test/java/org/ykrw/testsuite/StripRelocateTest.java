package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.ykrw.core.testutil.Tools;

/**
 * {@code strip --relocate} (issue 14, section 4): the tracing calls and their set-up are left out of
 * moved code instead of becoming NOPs. On the yk seed's program (explicit
 * {@code yk_trace_basicblock(f, b)} calls), on yk's Dec-2025 guarded shape, and on programs compiled
 * with {@code -fsanitize-coverage=trace-pc}, by gcc and clang, -O0 and -O2, PIE and non-PIE, all with
 * {@code --strict} (old code int3, so a missed path traps): the output is the original's without the
 * trace lines, the exit status the same, and the output's disassembly holds no call to the tracing
 * function (nor does the run make one, where the callee counts them). A computed-goto interpreter
 * (programs/switch.c under clang -O0) is not among them: calls in code the lift never reaches stay.
 */
class StripRelocateTest {
    private static final Pattern CALL = Pattern.compile("^\\s*([0-9a-f]+):\\s+(?:call|jmp)\\s+([0-9a-f]+)\\b");

    @TempDir
    Path dir;

    static List<String> builds() {
        List<String> out = new ArrayList<>();
        for (String cc : List.of("gcc", "clang")) {
            for (String opt : List.of("-O0", "-O2")) {
                for (String link : List.of("pie", "nopie")) {
                    out.add(cc + " " + opt + " " + link);
                }
            }
        }
        return out;
    }

    static List<String> traceBuilds() {
        List<String> out = new ArrayList<>();
        for (String program : List.of("sudoku.c", "cases.c")) {
            for (String build : builds()) {
                out.add(program + " " + build);
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("builds")
    void seedProgramLosesItsCalls(String build) throws IOException {
        String[] b = build.split(" ");
        Path bin = TestCompiler.compile(dir.resolve("trace"), TraceToolsTest.TRACE_C.toString(), b[0], b[2],
                List.of(b[1]));
        Tools.Result original = Tools.run(List.of(bin.toString()), 30);
        Path out = strip(bin, List.of());
        assertEquals(4, callsTo(bin, bin, "yk_trace_basicblock"), "the input's calls are counted");
        assertEquals(0, callsTo(bin, out, "yk_trace_basicblock"));
        Tools.Result stripped = Tools.run(List.of(out.toString()), 30);
        assertEquals(original.exit(), stripped.exit(), stripped.stderr());
        assertEquals(withoutTraceLines(original.stdout()), stripped.stdout());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("builds")
    void yksGuardedShapeGoesWithItsTests(String build) throws IOException {
        String[] b = build.split(" ");
        Path bin = TestCompiler.compile(dir.resolve("ykguard"), "ykguard.c", b[0], b[2], List.of(b[1]));
        Tools.Result original = Tools.run(List.of(bin.toString()), 30);
        assertTrue(original.stdout().contains("trace 65538"), original.stdout());
        Path out = strip(bin, List.of());
        assertEquals(0, callsTo(bin, out, "__yk_trace_basicblock_wrapper"));
        Tools.Result stripped = Tools.run(List.of(out.toString()), 30);
        assertEquals(original.exit(), stripped.exit(), stripped.stderr());
        assertEquals(withoutTraceLines(original.stdout()), stripped.stdout());
        if (b[0].equals("clang") && b[1].equals("-O2")) {
            String moved = Tools.output("objdump", "-d", "-j", ".ykrw.text", out.toString());
            assertEquals(0, moved.lines().filter(l -> l.contains("%fs:") && l.contains("cmpb")).count(),
                    "no test of the tracing state is left in the moved code");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("traceBuilds")
    void tracePcCallsAreGone(String build) throws IOException {
        String[] b = build.split(" ");
        Path stub = dir.resolve("stub.o");
        Tools.output(b[1], "-O2", "-fPIC", "-c", "-o", stub.toString(),
                ProgramMatrix.sources().resolve("tracepc_stub.c").toString());
        Path bin = TestCompiler.compile(dir.resolve("tracepc"), b[0], b[1], b[3],
                List.of(b[2], "-fsanitize-coverage=trace-pc", stub.toString()));
        Tools.Result original = Tools.run(List.of(bin.toString()), 30);
        assertTrue(!original.stderr().contains("trace-pc calls: 0\n") && original.stderr().contains("trace-pc calls: "),
                original.stderr());
        Path out = strip(bin, List.of("--fn", "__sanitizer_cov_trace_pc"));
        assertTrue(callsTo(bin, bin, "__sanitizer_cov_trace_pc") > 10, "the input's calls are counted");
        assertEquals(0, callsTo(bin, out, "__sanitizer_cov_trace_pc"));
        Tools.Result stripped = Tools.run(List.of(out.toString()), 30);
        assertEquals(original.exit(), stripped.exit(), stripped.stderr());
        assertEquals(original.stdout(), stripped.stdout());
        assertTrue(stripped.stderr().contains("trace-pc calls: 0\n"), stripped.stderr());
        // in place too (gcc -O2 ends functions with a tail jump to the stub: it becomes ret)
        Path nops = dir.resolve("nops");
        Tools.Result r = YkrwJar.run("strip", bin.toString(), "-o", nops.toString(), "--fn", "__sanitizer_cov_trace_pc");
        assertEquals(0, r.exit(), r.stderr());
        Tools.Result inPlace = Tools.run(List.of(nops.toString()), 30);
        assertEquals(original.stdout(), inPlace.stdout());
        assertTrue(inPlace.stderr().contains("trace-pc calls: 0\n"), inPlace.stderr());
    }

    /**
     * A computed-goto interpreter (programs/switch.c's {@code interpret}) stays in place: its calls
     * the lift reached become NOPs, those in handlers it never reached stay, and its calls to moved
     * functions go straight to their new code. The program still runs as before, with fewer calls.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("builds")
    void functionsLeftInPlaceStillRun(String build) throws IOException {
        String[] b = build.split(" ");
        Path stub = dir.resolve("stub.o");
        Tools.output(b[0], "-O2", "-fPIC", "-c", "-o", stub.toString(),
                ProgramMatrix.sources().resolve("tracepc_stub.c").toString());
        Path bin = TestCompiler.compile(dir.resolve("switch"), "switch.c", b[0], b[2],
                List.of(b[1], "-fsanitize-coverage=trace-pc", stub.toString()));
        Tools.Result original = Tools.run(List.of(bin.toString()), 30);
        Path out = strip(bin, List.of("--fn", "__sanitizer_cov_trace_pc"));
        Tools.Result stripped = Tools.run(List.of(out.toString()), 30);
        assertEquals(original.exit(), stripped.exit(), stripped.stderr());
        assertEquals(original.stdout(), stripped.stdout());
        assertTrue(callCount(stripped.stderr()) < callCount(original.stderr()) / 4,
                original.stderr() + " -> " + stripped.stderr());
    }

    private static long callCount(String stderr) {
        Matcher m = Pattern.compile("trace-pc calls: (\\d+)").matcher(stderr);
        assertTrue(m.find(), stderr);
        return Long.parseLong(m.group(1));
    }

    /** @return the output of {@code strip --relocate --strict} of {@code bin} */
    private Path strip(Path bin, List<String> more) {
        Path out = dir.resolve(bin.getFileName() + ".stripped");
        List<String> args = new ArrayList<>(List.of("strip", "--relocate", "--strict", bin.toString(), "-o", out.toString()));
        args.addAll(more);
        Tools.Result r = YkrwJar.run(args.toArray(String[]::new));
        assertEquals(0, r.exit(), r.stderr());
        assertTrue(r.stderr().contains("deleted from moved code"), r.stderr());
        return out;
    }

    private static String withoutTraceLines(String s) {
        return s.lines().filter(l -> !l.startsWith("trace ")).map(l -> l + "\n").collect(Collectors.joining());
    }

    /**
     * @return direct calls and tail jumps in {@code file}'s disassembly to {@code function}: at its
     *     address in the input or in {@code file} (where .symtab says it moved), or at its PLT entry
     */
    static long callsTo(Path input, Path file, String function) {
        Set<Long> targets = new HashSet<>();
        for (Path p : List.of(input, file)) {
            for (String line : Tools.output("nm", p.toString()).split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f.length == 3 && f[2].equals(function)) {
                    targets.add(Long.parseUnsignedLong(f[0], 16));
                }
            }
        }
        String code = Tools.output("objdump", "-d", "--no-show-raw-insn", file.toString());
        Matcher plt = Pattern.compile("(?m)^([0-9a-f]+) <" + Pattern.quote(function) + "@plt>:").matcher(
                Tools.output("objdump", "-d", input.toString()));
        while (plt.find()) {
            targets.add(Long.parseUnsignedLong(plt.group(1), 16));
        }
        assertTrue(!targets.isEmpty(), "no " + function + " in " + input);
        long calls = 0;
        for (String line : code.split("\n")) {
            Matcher m = CALL.matcher(line);
            // the jump at a moved function's old entry to its new code is not a call to it
            if (m.find() && targets.contains(Long.parseUnsignedLong(m.group(2), 16))
                    && !targets.contains(Long.parseUnsignedLong(m.group(1), 16))) {
                calls++;
            }
        }
        return calls;
    }
}
