package org.ykrw.core.pass;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ykrw.core.testutil.HandBuilt.code;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ykrw.core.cfg.CfgBuilder;
import org.ykrw.core.cfg.LiftOptions;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.ir.EdgeKind;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Probe;
import org.ykrw.core.ir.Program;
import org.ykrw.core.testutil.HandBuilt;
import org.ykrw.core.testutil.Tools;

/**
 * The verifier finds each kind of broken IR built by hand, names the pass after which it found it,
 * and finds nothing wrong in programs lifted from real binaries; the pass manager runs it after each
 * pass only when asked.
 */
class CfgVerifierTest {
    @TempDir
    Path dir;

    /** test edi, edi; je +3; xor eax, eax; ret; mov eax, 1; ret: blocks at 0x1000, 0x1004, 0x1007. */
    private static final byte[] BRANCHY = code(0x85, 0xff, 0x74, 0x03, 0x31, 0xc0, 0xc3, 0xb8, 0x01, 0, 0, 0, 0xc3);

    private static Function branchy(long at) {
        return HandBuilt.function("branchy", at, BRANCHY);
    }

    private static Program program(Function... functions) {
        return new Program(List.of(functions), List.of(), List.of(), List.of(), 0);
    }

    private static final CfgVerifier ALL_MOVE = new CfgVerifier(f -> true);

    @Test
    void aHandBuiltProgramHoldsEveryInvariant() {
        Function f = branchy(0x1000);
        Function g = HandBuilt.function("g", 0x2000, code(0xe8, 0xfb, 0xef, 0xff, 0xff, 0xc3));  // call 0x1000; ret
        g.addEdge(g.blocks().get(0), f.blocks().get(0), 0x1000, EdgeKind.CALL);
        assertNull(ALL_MOVE.firstBroken(program(f, g)));
    }

    @Test
    void anEdgeIntoABlockOutsideTheProgram() {
        Function f = branchy(0x1000);
        Function stray = HandBuilt.function("stray", 0x3000, code(0xc3));
        f.addEdge(f.blocks().get(2), stray.blocks().get(0), 0x3000, EdgeKind.TAIL_CALL);
        assertBroken(program(f), "no block of the program");
    }

    @Test
    void anEdgeWhoseTargetIsNotTheBlockItEnters() {
        Function f = branchy(0x1000);
        f.addEdge(f.blocks().get(0), f.blocks().get(2), 0x1005, EdgeKind.BRANCH);
        assertBroken(program(f), "targets 0x1005 but enters block");
    }

    @Test
    void anEdgeThatMissesTheBlockAtItsTarget() {
        Function f = branchy(0x1000);
        f.addEdge(f.blocks().get(1), null, 0x1007, EdgeKind.BRANCH);
        assertBroken(program(f), "enters no block, but block");
    }

    @Test
    void aFunctionInTwoProgramsHasTheIndexOfTheLastOne() {
        Function f = branchy(0x1000);
        Function g = HandBuilt.function("g", 0x2000, code(0xc3));
        Program first = program(f, g);
        program(g);   // g is function 0 there
        assertBroken(first, "function g is number 1 of the program but has index 0");
    }

    @Test
    void probesInAFunctionThatStays() {
        Function f = branchy(0x1000);
        Function g = HandBuilt.function("g", 0x2000, code(0xc3));
        Probe nop = (w, c) -> w.nop(1);
        g.blocks().get(0).insertBefore(0, nop);
        CfgVerifier onlyF = new CfgVerifier(fn -> fn == f);
        IrVerificationException e = assertThrows(IrVerificationException.class, () -> onlyF.verify(program(f, g), "pass count"));
        assertEquals("pass count", e.pass());
        assertEquals("--verify: after pass count: probes in g, which stays in place (they would never run)", e.getMessage());
    }

    @Test
    void theManagerVerifiesAfterEachPassOnlyWhenAsked() {
        Function f = branchy(0x1000);
        Program p = program(f);
        Function stray = HandBuilt.function("stray", 0x3000, code(0xc3));
        List<String> ran = new ArrayList<>();
        Pass fine = pass("fine", ran, () -> { });
        Pass breaks = pass("breaks", ran, () -> f.addEdge(f.blocks().get(2), stray.blocks().get(0), 0x3000,
                EdgeKind.TAIL_CALL));
        Pass after = pass("after", ran, () -> { });
        PassInput input = new PassInput(p, Set.of(f), PassInput.Linking.STATIC, "hand-built", PassInput.InputFacts.NONE);
        IrVerificationException e = assertThrows(IrVerificationException.class, () ->
                new PassManager(List.of(fine, breaks, after), true).run(input, PassRequests.forInput(input)));
        assertEquals("pass breaks", e.pass());
        assertEquals(List.of("fine", "breaks"), ran, "nothing runs after the pass that broke the IR");
        ran.clear();
        Program q = program(branchy(0x1000));
        PassInput unchecked = new PassInput(q, Set.of(), PassInput.Linking.STATIC, "hand-built", PassInput.InputFacts.NONE);
        new PassManager(List.of(fine, after), false).run(unchecked, PassRequests.forInput(unchecked));
        assertEquals(List.of("fine", "after"), ran, "passes run in the order given");
    }

    private static Pass pass(String name, List<String> log, Runnable body) {
        return new Pass() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void run(PassInput input, PassRequests requests) {
                log.add(name);
                body.run();
            }
        };
    }

    private static void assertBroken(Program p, String expected) {
        String broken = ALL_MOVE.firstBroken(p);
        assertTrue(broken != null && broken.contains(expected), "expected \"" + expected + "\", got " + broken);
    }

    private static final String SOURCE = """
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            static int classify(int c) {
                switch (c) {
                case 0: return 3; case 1: return 7; case 2: return 11; case 3: return 2;
                case 4: return 5; case 5: return 13; case 6: return 1; default: return -1;
                }
            }
            int main(int argc, char **argv) {
                long sum = 0;
                for (int i = 1; i < argc; i++) sum += classify(atoi(argv[i])) * (long) strlen(argv[i]);
                printf("%ld\\n", sum);
                return sum > 100;
            }
            """;

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({"gcc, -O0, -no-pie", "gcc, -O2, -pie", "clang, -O2, -pie", "clang, -O0, -static"})
    void liftedProgramsHoldEveryInvariant(String compiler, String level, String link) throws IOException {
        Path src = dir.resolve("main.c");
        Files.writeString(src, SOURCE);
        Path bin = dir.resolve("main");
        Tools.output(compiler, level, link, "-o", bin.toString(), src.toString());
        Program p = CfgBuilder.lift(ElfFile.read(bin), LiftOptions.defaults());
        assertTrue(p.functions().size() > 3, "lifted " + p.functions().size() + " functions");
        assertNull(ALL_MOVE.firstBroken(p));
    }
}
