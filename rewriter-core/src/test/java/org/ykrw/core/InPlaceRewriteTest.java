package org.ykrw.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ykrw.core.cfg.LiftOptions;
import org.ykrw.core.diag.YkrwException;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.pass.KeptOriginal;
import org.ykrw.core.pass.Pass;
import org.ykrw.core.pass.PassInput;
import org.ykrw.core.pass.PassRequests;

/**
 * {@link Rewriter#rewriteInPlace} on a program built here: it lifts only for passes that need a CFG
 * (or to verify), and an output that keeps the originals it overwrote is undone byte for byte by a
 * later run, through addresses only.
 */
class InPlaceRewriteTest {
    @TempDir
    Path dir;

    private ElfFile compile() throws IOException {
        Path src = dir.resolve("main.c");
        Files.writeString(src, "int twice(int x) { return 2 * x; }\nint main(int c, char **v) { return twice(c); }\n");
        Path bin = dir.resolve("main");
        org.ykrw.core.testutil.Tools.output("gcc", "-O1", "-o", bin.toString(), src.toString());
        return ElfFile.read(bin);
    }

    /** A pass made of a lambda, needing a CFG or not. */
    private record TestPass(boolean needsCfg, BiConsumer<PassInput, PassRequests> body) implements Pass {
        @Override
        public String name() {
            return "test";
        }

        @Override
        public void run(PassInput input, PassRequests requests) {
            body.accept(input, requests);
        }
    }

    private static int functionsSeen(ElfFile elf, boolean needsCfg, boolean verify) {
        int[] seen = {-1};
        Rewriter.rewriteInPlace(elf, LiftOptions.defaults(), List.of(new TestPass(needsCfg,
                (in, out) -> seen[0] = in.program().functions().size())), RewriteOptions.defaults().withVerify(verify));
        return seen[0];
    }

    @Test
    void liftsOnlyWhenAPassOrTheVerifierNeedsTheCfg() throws IOException {
        ElfFile elf = compile();
        assertEquals(0, functionsSeen(elf, false, false), "no CFG recovery for a pass that needs none");
        assertTrue(functionsSeen(elf, true, false) > 2);
        assertTrue(functionsSeen(elf, false, true) > 2, "--verify has a CFG to check");
    }

    @Test
    void keptOriginalsUndoByteForByte() throws IOException {
        ElfFile elf = compile();
        long twice = elf.symbols().stream().filter(s -> s.name().equals("twice")).findFirst().orElseThrow().value();
        byte[] first = elf.bytesAt(twice, 1);
        byte[] patched = Rewriter.rewriteInPlace(elf, LiftOptions.defaults(), List.of(new TestPass(false, (in, out) -> {
            assertTrue(in.keptOriginals().isEmpty());
            long at = in.symbols().function("twice").orElseThrow().address();
            out.patchInPlace(new PassRequests.InPlacePatch(at, new byte[] {(byte) 0xC3}));
            out.keepOriginals(List.of(new KeptOriginal("twice", at, in.code().bytes(at, 1))));
        }))).output();
        ElfFile p = ElfFile.parse(patched, "patched");
        assertEquals(0xC3, p.readU8(twice));
        assertTrue(p.section(KeptOriginalsNote.SECTION).isPresent());
        byte[] undone = Rewriter.rewriteInPlace(p, LiftOptions.defaults(), List.of(new TestPass(false, (in, out) -> {
            KeptOriginal k = in.keptOriginals().get(0);
            assertEquals("twice", k.name());
            assertEquals(twice, k.address(), "read back as an address, not a file offset");
            assertArrayEquals(first, k.bytes());
            out.patchInPlace(new PassRequests.InPlacePatch(k.address(), k.bytes()));
            out.keepOriginals(List.of());
        }))).output();
        assertArrayEquals(elf.data(), undone, "the note gone, the section table back, the byte restored");
        // a pass that keeps nothing leaves the record alone
        byte[] untouched = Rewriter.rewriteInPlace(p, LiftOptions.defaults(), List.of(new TestPass(false, (in, out) -> { })))
                .output();
        assertArrayEquals(patched, untouched);
    }

    @Test
    void onlyAnInPlaceRewriteKeepsOriginals() throws IOException {
        ElfFile elf = compile();
        YkrwException e = assertThrows(YkrwException.class, () -> Rewriter.rewrite(elf, LiftOptions.defaults(),
                List.of(new TestPass(false, (in, out) -> out.keepOriginals(List.of())))));
        assertTrue(e.getMessage().contains("only an in-place rewrite"), e.getMessage());
    }

    @Test
    void aDamagedRecordIsOneError() throws IOException {
        ElfFile elf = compile();
        byte[] patched = Rewriter.rewriteInPlace(elf, LiftOptions.defaults(), List.of(new TestPass(false, (in, out) -> {
            long at = in.symbols().function("main").orElseThrow().address();
            out.keepOriginals(List.of(new KeptOriginal("main", at, in.code().bytes(at, 1))));
        }))).output();
        String text = new String(patched, StandardCharsets.ISO_8859_1);
        int at = text.indexOf("original-length ") + "original-length ".length();
        patched[at] = 'x';
        ElfFile damaged = ElfFile.parse(patched, "damaged");
        YkrwException e = assertThrows(YkrwException.class, () -> Rewriter.rewriteInPlace(damaged, LiftOptions.defaults(),
                List.of(new TestPass(false, (in, out) -> in.keptOriginals()))));
        assertEquals("damaged: damaged .note.ykrw.patch section", e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }
}
