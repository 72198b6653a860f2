package org.ykrw.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ykrw.core.cfg.LiftOptions;
import org.ykrw.core.diag.UnsupportedInputException;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Probe;
import org.ykrw.core.pass.Pass;
import org.ykrw.core.pass.PassInput;
import org.ykrw.core.pass.PassRequests;
import org.ykrw.core.testutil.Tools;

/** The library's own refusals: Go-like runtimes and probes in functions that stay in place. */
class RewriteChecksTest {
    @TempDir
    Path dir;

    private static final String SOURCE = """
            #include <stdio.h>
            #include <stdlib.h>
            int main(int argc, char **argv) { printf("%d\\n", atoi(argc > 1 ? argv[1] : "7")); return 0; }
            """;

    private Path compile() throws IOException {
        Path src = dir.resolve("main.c");
        Files.writeString(src, SOURCE);
        Path bin = dir.resolve("main");
        Tools.output("gcc", "-O2", "-o", bin.toString(), src.toString());
        return bin;
    }

    /** A nop probe at the entry of every function, or only of those that move. */
    private static Pass probeEverywhere(boolean onlyMoved) {
        return new Pass() {
            @Override
            public String name() {
                return "everywhere";
            }

            @Override
            public void run(PassInput input, PassRequests requests) {
                Probe nop = (w, c) -> w.nop(1);
                for (Function f : input.program().functions()) {
                    if (!f.blocks().isEmpty() && (!onlyMoved || input.isRelocated(f))) {
                        f.blocks().get(0).insertBefore(0, nop);
                    }
                }
            }
        };
    }

    @Test
    void probesInFunctionsThatStayAreAnErrorUnlessDropped() throws IOException {
        ElfFile elf = ElfFile.read(compile());
        // the PLT stubs always stay in place
        LostProbesException e = assertThrows(LostProbesException.class, () -> Rewriter.rewrite(elf,
                LiftOptions.defaults(), List.of(probeEverywhere(false)), RewriteOptions.defaults()));
        assertTrue(e.functions() > 0, e.getMessage());
        assertTrue(e.getMessage().contains("stay in place"), e.getMessage());
        Rewriter.Result dropped = Rewriter.rewrite(elf, LiftOptions.defaults(), List.of(probeEverywhere(false)),
                RewriteOptions.defaults().withDropLostProbes(true));
        assertTrue(dropped.relocated() > 0);
        Rewriter.Result careful = Rewriter.rewrite(elf, LiftOptions.defaults(), List.of(probeEverywhere(true)),
                RewriteOptions.defaults());
        assertEquals(dropped.relocated(), careful.relocated());
    }

    @Test
    void goProgramsAreRefusedUnlessAsked() throws IOException {
        Path bin = compile();
        // what makes a program Go for the check: a Go build-id note (the code is C's: it still runs)
        Path note = dir.resolve("note");
        Files.write(note, new byte[16]);
        Path go = dir.resolve("go-like");
        Tools.output("objcopy", "--add-section", ".note.go.buildid=" + note, bin.toString(), go.toString());
        ElfFile elf = ElfFile.read(go);
        UnsupportedInputException e = assertThrows(UnsupportedInputException.class,
                () -> Rewriter.rewrite(elf, LiftOptions.defaults(), List.of(), RewriteOptions.defaults()));
        assertTrue(e.getMessage().contains("Go program"), e.getMessage());
        Rewriter.Result r = Rewriter.rewrite(elf, LiftOptions.defaults(), List.of(),
                RewriteOptions.defaults().withRewriteAddressKeyedRuntimes(true));
        assertTrue(r.relocated() > 0);
        // the plain C program is not refused
        Rewriter.rewrite(ElfFile.read(bin), LiftOptions.defaults(), List.of(), RewriteOptions.defaults());
    }
}
