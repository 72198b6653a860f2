package org.ykrw.core.cfg;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.ir.Program;
import org.ykrw.core.ir.ProgramStats;

/** Lifting completes on large real Debian binaries with no jump table left unresolved. */
class RealBinaryLiftTest {
    @ParameterizedTest
    @ValueSource(strings = {"/usr/bin/ls", "/usr/bin/python3.11", "/usr/lib/x86_64-linux-gnu/libc.so.6",
        "/usr/bin/perl", "/usr/bin/git", "/bin/busybox"})
    void liftsWithoutUnresolvedTables(String file) {
        Program p = CfgBuilder.lift(ElfFile.read(Path.of(file)), LiftOptions.defaults());
        ProgramStats s = p.stats();
        System.out.println(file + ": " + s);
        p.unresolvedJumps().stream().filter(u -> u.looksLikeTable()).limit(10)
                .forEach(u -> System.out.printf("  unresolved table jump at 0x%x in %s%n", u.address(), u.function()));
        assertTrue(s.functions() > 100);
        if (file.endsWith("python3.11")) {
            // The interpreter loop dispatches through tables (switch and computed goto): all must resolve.
            var eval = p.functionByName("_PyEval_EvalFrameDefault").orElseThrow();
            assertEquals(0, p.unresolvedJumps().stream().filter(u -> u.function() == eval).count());
            assertTrue(p.jumpTables().stream().filter(t -> t.function() == eval).count() > 10);
        }
        assertTrue(s.jumpTables() > 0);
        assertTrue(s.averageBlockInstructions() > 2 && s.averageBlockInstructions() < 20);
    }
}
