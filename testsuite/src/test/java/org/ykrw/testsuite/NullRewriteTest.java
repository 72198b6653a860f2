package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import java.nio.file.attribute.PosixFilePermissions;
import org.ykrw.core.RewriteOptions;
import org.ykrw.core.Rewriter;
import org.ykrw.core.cfg.LiftOptions;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.Segment;
import org.ykrw.core.testutil.Tools;

/**
 * The null rewrite (issue 3) of every stripped variant of the matrix, C and C++: output and exit status
 * as the original, most functions relocated, the entry point in the new code, and for the C++ programs
 * (exceptions thrown, caught and rethrown through moved code, destructors run while unwinding)
 * PT_GNU_EH_FRAME pointing at the new unwind information, static links included.
 */
class NullRewriteTest {
    @TempDir
    Path dir;

    static List<Variant> variants() {
        return ProgramMatrix.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void rewrittenStrippedCopyBehavesTheSame(Variant v) throws IOException {
        Path out = dir.resolve(v.name() + ".rw");
        Tools.Result rw = YkrwJar.run("rewrite", v.stripped().toString(), "-o", out.toString());
        assertEquals(0, rw.exit(), rw.stderr());
        assertTrue(rw.stderr().matches("(?s)ykrw: relocated [1-9]\\d* of \\d+ functions.*"), rw.stderr());
        Tools.Result r = Tools.run(List.of(out.toString()), 60);
        assertEquals(0, r.exit(), v + " rewritten: stderr " + r.stderr());
        assertEquals(ProgramMatrixTest.expected(v.program()), r.stdout(), v + " rewritten output");

        ElfFile rewritten = ElfFile.read(out);
        ElfFile original = ElfFile.read(v.stripped());
        long oldEnd = original.segments().stream().filter(s -> s.isLoad()).mapToLong(s -> s.vaddr() + s.memsz()).max()
                .orElseThrow();
        assertTrue(rewritten.entry() > oldEnd, "entry point moved to the new code segment");
        if (ProgramMatrix.isCpp(v.program())) {
            Segment hdr = rewritten.segmentOfType(Segment.PT_GNU_EH_FRAME);
            assertTrue(hdr != null && hdr.vaddr() > oldEnd, "PT_GNU_EH_FRAME points at the new .eh_frame_hdr");
            assertTrue(rw.stderr().matches("(?s).* [1-9]\\d* FDEs and [1-9]\\d* LSDAs for moved code.*"), rw.stderr());
        }
        assertEquals(Files.getPosixFilePermissions(v.stripped()), Files.getPosixFilePermissions(out));
    }

    /**
     * Strict mode as the oracle of the analysis: with the old code of moved functions filled with int3,
     * a control transfer the analysis missed (a jump-table target, a code pointer, a return address in
     * old code) stops the program with SIGTRAP instead of running the old code unseen. In-process (the
     * CLI's --strict is this same option), which spares a JVM per variant.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void strictRewriteBehavesTheSame(Variant v) throws IOException {
        Rewriter.Result rw = Rewriter.rewrite(ElfFile.read(v.stripped()), LiftOptions.defaults(), List.of(),
                RewriteOptions.defaults().withStrict(true));
        assertTrue(rw.strict().filledBytes() > 0, "old code filled");
        Path out = dir.resolve(v.name() + ".strict");
        Files.write(out, rw.output());
        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwxr-xr-x"));
        Tools.Result r = Tools.run(List.of(out.toString()), 60);
        assertEquals(0, r.exit(), v + " rewritten --strict (133 = SIGTRAP: old code ran); stderr " + r.stderr());
        assertEquals(ProgramMatrixTest.expected(v.program()), r.stdout(), v + " rewritten --strict output");
    }
}
