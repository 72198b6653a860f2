package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;
import org.ykrw.core.pass.Pass;
import org.ykrw.core.pass.PassInput;
import org.ykrw.core.pass.PassRequests;
import org.ykrw.core.x86.FlowKind;
import org.ykrw.core.x86.Insn;
import org.ykrw.passes.instrument.CounterFile;

/**
 * A pass of one's own with {@link CounterFile}: a counter per calling function, incremented before
 * each call to {@code work}, read back from the run file and compared with what the program did.
 */
class CounterFileTest {
    @TempDir
    Path dir;

    private static final String SOURCE = """
            #include <stdio.h>
            #include <stdlib.h>
            volatile long sink;
            __attribute__((noinline)) void work(long i) { sink += i; }
            __attribute__((noinline)) void every(int n) { for (int i = 0; i < n; i++) work(i); }
            __attribute__((noinline)) void some(int n) {
                for (int i = 0; i < n; i++) { if (i % 3 == 0) work(i); work(-i); }
            }
            int main(int argc, char **argv) {
                int n = atoi(argv[1]);
                every(n);
                some(2 * n);
                printf("%ld\\n", sink);
                return 0;
            }
            """;

    /** Counts calls to {@code callee} per calling function; {@code callers} gets counter -> caller. */
    private static Pass countCallsTo(String callee, List<String> callers) {
        return new Pass() {
            @Override
            public String name() {
                return "count-calls";
            }

            @Override
            public void run(PassInput input, PassRequests requests) {
                long target = input.program().functionByName(callee).orElseThrow().entryAddress();
                for (Function f : input.program().functions()) {
                    if (!input.isRelocated(f)) {
                        continue;
                    }
                    for (Block b : f.blocks()) {
                        for (int i = 0; i < b.instructionCount(); i++) {
                            Insn insn = b.instruction(i);
                            if (insn.flow() == FlowKind.CALL && insn.target() == target) {
                                if (!callers.contains(f.name())) {
                                    callers.add(f.name());
                                }
                                b.insertBefore(i, CounterFile.increment(callers.indexOf(f.name())));
                            }
                        }
                    }
                }
                CounterFile.embed(input, requests, callers.size());
            }
        };
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"gcc, pie", "gcc, nopie", "gcc, static", "clang, pie", "clang, nopie", "clang, static"})
    void countsCallsPerCaller(String cc, String link) throws IOException, InterruptedException {
        Path src = dir.resolve("calls.c");
        Files.writeString(src, SOURCE);
        Path bin = TestCompiler.compile(dir.resolve("calls"), src.toString(), cc, link, List.of());
        List<String> callers = new ArrayList<>();
        InstrumentedRun run = InstrumentedRun.instrument(bin, countCallsTo("work", callers), dir.resolve("out"))
                .run(Map.of(), "10");
        assertEquals(0, run.exit, run.stderr);
        List<Path> files = run.files(".ykcov");
        assertEquals(1, files.size(), files.toString());
        long[] counters = InstrumentedRun.Coverage.read(files.get(0)).counters();
        assertEquals(List.of("every", "some"), callers.stream().sorted().toList());
        int n = 10;
        long someCalls = 2 * n + (2 * n + 2) / 3;  // work(-i) always, work(i) when 3 divides i
        assertEquals(n, counters[callers.indexOf("every")]);
        assertEquals(someCalls, counters[callers.indexOf("some")]);
    }
}
