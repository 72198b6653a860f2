package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.ykrw.core.testutil.Tools;
import org.ykrw.passes.instrument.BlockFilter;
import org.ykrw.passes.instrument.TracePass;

/**
 * Issue 14, section 3: what {@code trace dump} reads from the embedded recorder's run equals, record
 * for record and thread by thread, what a tracer that logs every call records for the same program
 * (logtracer.c, linked into it: the program-tracer path then calls it at every block). Both builds come
 * from one binary, so their (function, block) numbers agree; the recorder's build is made with a
 * tracing function name the program does not have. The programs are the matrix's (C, C++ with
 * exceptions, threads with a signal handler), with gcc and clang at -O0 and -O2, PIE, non-PIE and
 * static.
 */
class RecorderOracleTest {
    @TempDir
    Path dir;

    static Stream<Arguments> builds() {
        List<Arguments> cases = new ArrayList<>();
        String[][] compilers = {{"gcc", "O0"}, {"clang", "O2"}, {"gcc", "O2"}, {"clang", "O0"}};
        String[] programs = {"control", "exceptions", "runtime"};
        for (int p = 0; p < programs.length; p++) {
            for (String link : List.of("pie", "nopie", "static")) {
                for (int c = 0; c < 2; c++) {
                    // each program meets both compilers, and -O0 and -O2 of each across the programs
                    String[] cc = compilers[(2 * p + c) % compilers.length];
                    cases.add(Arguments.of(programs[p], cc[0], cc[1], link));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2} {3}")
    @MethodSource("builds")
    void dumpEqualsTheTraceOfATracerThatLogsEveryCall(String program, String cc, String opt, String link)
            throws Exception {
        Path bin = build(program, cc, opt, link);
        String expected = ProgramMatrixTest.expected(program);
        // Both runs see environments of the same shape (their run directories' names have one length):
        // a static program's traced libc loops over the environment's characters.

        InstrumentedRun logged = InstrumentedRun.instrument(bin,
                new TracePass(TracePass.Abi.ARGS2, null, BlockFilter.ALL, false, false), dir.resolve("run-a")).run(Map.of());
        assertEquals(0, logged.exit, logged.stderr);
        assertEquals(expected, logged.stdout);
        List<List<String>> oracle = loggedThreads(logged.dir);

        InstrumentedRun recorded = InstrumentedRun.instrument(bin,
                new TracePass(TracePass.Abi.ARGS2, "ykrw_test_no_such_tracer", BlockFilter.ALL, false, false),
                dir.resolve("run-b")).run(Map.of());
        assertEquals(0, recorded.exit, recorded.stderr);
        assertEquals(expected, recorded.stdout);
        List<Path> runs = recorded.files(".bin");
        assertEquals(1, runs.size(), runs.toString());
        Tools.Result dump = YkrwJar.run("trace", "dump", runs.get(0).toString(), "--binary", recorded.binary.toString());
        assertEquals(0, dump.exit(), dump.stderr());
        assertTrue(dump.stderr().contains(", 0 dropped"), dump.stderr());
        List<List<String>> dumped = dumpedThreads(dump.stdout());

        assertEquals(oracle.size(), dumped.size(), "threads");
        assertTrue(oracle.stream().mapToInt(List::size).sum() > 10, "records logged");
        // Thread 0 is the main thread in both. The program's tracer is not called before the runtime's
        // start-up (an IFUNC resolver ld.so runs) nor before libc set up thread-local storage (a static
        // program's start-up): the recorder has those blocks too, as the main thread's first records.
        // A static program's libc walks the program headers (start-up, the unwinder's dl_iterate_phdr)
        // and copies the thread-local template, which the two builds have in different numbers and
        // sizes: there the traces are compared in the program's own functions only.
        java.util.function.UnaryOperator<List<String>> compared = java.util.function.UnaryOperator.identity();
        if (link.equals("static")) {
            java.util.Set<String> own = ownFunctions(program, cc, opt, dump.stdout());
            compared = t -> t.stream().filter(own::contains).toList();
        }
        List<String> main = compared.apply(dumped.get(0));
        List<String> mainLogged = compared.apply(oracle.get(0));
        java.util.function.UnaryOperator<List<String>> view = compared;
        assertTrue(oracle.stream().mapToInt(t -> view.apply(t).size()).sum() > 4, "records compared");
        int early = main.size() - mainLogged.size();
        assertTrue(early >= 0, "the recorder has at least the logged records of the main thread");
        assertSameRecords(mainLogged, main.subList(early, main.size()), "main thread");
        assertTrue(link.equals("static") || program.equals("runtime") || early == 0,
                early + " records the logging tracer did not see");
        List<String> others = sorted(oracle.subList(1, oracle.size()).stream().map(compared).toList());
        List<String> dumpedOthers = sorted(dumped.subList(1, dumped.size()).stream().map(compared).toList());
        for (int t = 0; t < others.size(); t++) {
            assertSameRecords(List.of(others.get(t).split("\n")), List.of(dumpedOthers.get(t).split("\n")), "thread");
        }
    }

    /**
     * @return the "fn bb" records that belong to functions the program's source defines (named by
     *     nm on its object file), from trace dump's names
     */
    private java.util.Set<String> ownFunctions(String program, String cc, String opt, String stdout) throws IOException {
        boolean cpp = ProgramMatrix.isCpp(program);
        Path object = dir.resolve(program + ".o");
        Tools.output(List.of(cpp ? (cc.equals("gcc") ? "g++" : "clang++") : cc, "-" + opt, "-c", "-o", object.toString(),
                ProgramMatrix.source(program).toString()));
        java.util.Set<String> names = new java.util.HashSet<>();
        for (String line : Tools.output("nm", "--defined-only", object.toString()).split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length == 3 && "TtWw".indexOf(f[1]) >= 0) {
                names.add(f[2]);
            }
        }
        java.util.Set<String> own = new java.util.HashSet<>();
        for (String line : stdout.split("\n")) {
            String[] f = line.split(" ");
            if (f.length == 3 && !line.startsWith("#") && names.contains(f[2].substring(0, f[2].lastIndexOf('+')))) {
                own.add(f[0] + " " + f[1]);
            }
        }
        return own;
    }

    /** Equal lists, or a message with the first difference (the traces hold thousands of records). */
    private static void assertSameRecords(List<String> logged, List<String> dumped, String what) {
        int i = 0;
        while (i < logged.size() && i < dumped.size() && logged.get(i).equals(dumped.get(i))) {
            i++;
        }
        if (i < logged.size() || i < dumped.size()) {
            throw new AssertionError(String.format("%s: record %d of %d logged / %d dumped differs: logged %s, dumped %s",
                    what, i, logged.size(), dumped.size(), i < logged.size() ? logged.get(i) : "nothing",
                    i < dumped.size() ? dumped.get(i) : "nothing"));
        }
    }

    /** The program and the logging tracer, compiled as the matrix compiles the program. */
    private Path build(String program, String cc, String opt, String link) throws IOException {
        boolean cpp = ProgramMatrix.isCpp(program);
        Path tracer = dir.resolve("logtracer.o");
        Tools.output(List.of(cc, "-" + opt, "-fPIE", "-c", "-o", tracer.toString(),
                ProgramMatrix.sources().resolve("logtracer.c").toString()));
        Path bin = dir.resolve(program + "-" + cc + "-" + opt + "-" + link);
        List<String> cmd = new ArrayList<>(List.of(cpp ? (cc.equals("gcc") ? "g++" : "clang++") : cc, "-" + opt, "-o",
                bin.toString()));
        cmd.addAll(TestCompiler.linkFlags(link));
        cmd.add(ProgramMatrix.source(program).toString());
        cmd.add(tracer.toString());
        cmd.add("-pthread");
        Tools.output(cmd);
        return bin;
    }

    /** logtracer.c's files: tracelog.N holds thread N's (fn + 1, bb) pairs, ended by zeros. */
    private static List<List<String>> loggedThreads(Path runDir) throws IOException {
        List<List<String>> threads = new ArrayList<>();
        for (int n = 0; Files.exists(runDir.resolve("tracelog." + n)); n++) {
            List<String> records = new ArrayList<>();
            try (var ch = java.nio.channels.FileChannel.open(runDir.resolve("tracelog." + n))) {
                ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
                long at = 0;
                boolean end = false;
                while (!end) {
                    b.clear();
                    ch.read(b, at);
                    b.flip();
                    at += b.limit();
                    while (b.remaining() >= 8) {
                        int fn = b.getInt();
                        int bb = b.getInt();
                        if (fn == 0) {
                            end = true;
                            break;
                        }
                        records.add((fn - 1) + " " + bb);
                    }
                    end |= b.limit() == 0;
                }
            }
            Files.delete(runDir.resolve("tracelog." + n));  // 4 GiB sparse each
            threads.add(records);
        }
        return threads;
    }

    /** trace dump's lines: "# thread N", then "fn bb name+0xoff" per record. */
    private static List<List<String>> dumpedThreads(String stdout) {
        List<List<String>> threads = new ArrayList<>();
        for (String line : stdout.split("\n")) {
            if (line.startsWith("# thread ")) {
                threads.add(new ArrayList<>());
            } else if (!line.isEmpty()) {
                String[] f = line.split(" ");
                threads.get(threads.size() - 1).add(f[0] + " " + f[1]);
            }
        }
        return threads;
    }

    private static List<String> sorted(List<List<String>> threads) {
        return threads.stream().map(t -> String.join("\n", t)).sorted().toList();
    }
}
