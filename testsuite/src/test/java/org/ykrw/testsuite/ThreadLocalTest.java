package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.Segment;
import org.ykrw.core.testutil.Tools;
import org.ykrw.passes.instrument.BlockFilter;
import org.ykrw.passes.instrument.TracePass;

/**
 * Thread-local bytes the runtime reserves (docs/RUNTIME.md, "Thread-local storage"), seen through their
 * first user, {@code --abi yk}: the output's template is the runtime's bytes followed by the program's,
 * so the program's thread-local variables (initialised, zeroed, a pointer a PIE relocates) must keep
 * their values in every thread, in every link mode, static ones included (where the runtime points %fs
 * at an early block until libc sets TLS up); a program without TLS gets a PT_TLS; a shared library is
 * refused in one line.
 */
class ThreadLocalTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"gcc, pie", "clang, pie", "gcc, nopie", "clang, nopie", "gcc, static", "clang, static",
        "gcc, static-pie", "gcc, relr"})
    void programThreadLocalsKeepTheirValues(String cc, String link) throws Exception {
        Path bin = compile("ykthreads.c", cc, link);
        String original = Tools.run(List.of(bin.toString()), 60).stdout();
        assertTrue(original.contains("main 3 42 7"), original);
        InstrumentedRun r = instrument(bin);
        ElfFile in = ElfFile.read(bin);
        ElfFile out = ElfFile.read(r.binary);
        Segment before = in.segmentOfType(Segment.PT_TLS);
        Segment after = out.segmentOfType(Segment.PT_TLS);
        assertTrue(after.memsz() > before.memsz(), "the runtime's byte goes in front of the program's template");
        assertNotEquals(before.vaddr(), after.vaddr());
        for (Map<String, String> env : List.of(Map.<String, String>of(), Map.of("YKRW_TRACE", "1"))) {
            r.run(env);
            assertEquals(0, r.exit, env + " " + r.stderr);
            assertEquals(original, r.stdout, env.toString());
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"gcc, pie", "clang, nopie"})
    void programWithoutThreadLocalsGetsATemplate(String cc, String link) throws Exception {
        Path bin = compile("control.c", cc, link);
        assertEquals(null, ElfFile.read(bin).segmentOfType(Segment.PT_TLS), "control.c has no TLS of its own");
        String original = Tools.run(List.of(bin.toString()), 60).stdout();
        InstrumentedRun r = instrument(bin);
        Segment tls = ElfFile.read(r.binary).segmentOfType(Segment.PT_TLS);
        assertTrue(tls != null && tls.memsz() >= 1, "a PT_TLS holding the runtime's byte");
        r.run(Map.of("YKRW_TRACE", "1"));
        assertEquals(0, r.exit, r.stderr);
        assertEquals(original, r.stdout);
        assertTrue(InstrumentedRun.Trace.read(r.files(".bin").get(0), r.binary).records().length > 0, "the byte was set");
    }

    @Test
    void sharedLibraryIsRefusedInOneLine() throws Exception {
        Path lib = dir.resolve("libdemo.so");
        Tools.output("gcc", "-O2", "-shared", "-fPIC", "-o", lib.toString(),
                ProgramMatrix.sources().resolve("demolib.c").toString());
        Tools.Result r = YkrwJar.run("instrument", "--trace", "--abi", "yk", lib.toString(), "-o",
                dir.resolve("out.so").toString());
        assertEquals(2, r.exit(), r.stderr());
        assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
        assertTrue(r.stderr().contains("shared library"), r.stderr());
    }

    private InstrumentedRun instrument(Path bin) throws IOException {
        TracePass pass = new TracePass(TracePass.Abi.YK, null, BlockFilter.ALL, false, false);
        return InstrumentedRun.instrument(bin, pass, dir.resolve("out-" + bin.getFileName()));
    }

    private Path compile(String source, String cc, String link) throws IOException {
        Path bin = dir.resolve(source.replace(".c", "") + "-" + cc + "-" + link);
        return TestCompiler.compile(bin, source, cc, link, List.of());
    }
}
