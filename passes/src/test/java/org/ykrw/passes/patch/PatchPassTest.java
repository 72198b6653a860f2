package org.ykrw.passes.patch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.ykrw.core.diag.YkrwException;
import org.ykrw.core.ir.Program;
import org.ykrw.core.pass.CodeView;
import org.ykrw.core.pass.KeptOriginal;
import org.ykrw.core.pass.PassInput;
import org.ykrw.core.pass.PassRequests;
import org.ykrw.core.pass.PltView;
import org.ykrw.core.pass.ProgramSymbols;
import org.ykrw.core.pass.RelocationView;

/**
 * {@link PatchPass} on a hand-built input (no ELF, no CFG): code at 0x1000 holding {@code main}
 * ({@code push rbp}) and, at 0x1010, {@code cet} ({@code endbr64; push rbp}); what the pass asks to
 * patch and to keep, and each refusal.
 */
class PatchPassTest {
    private static final long CODE = 0x1000;
    private static final long MAIN = 0x1000;
    private static final long CET = 0x1010;
    private static final byte PUSH_RBP = 0x55;
    private static final byte RET = (byte) 0xC3;

    /** 32 bytes of code: main's push rbp at 0x1000, endbr64 and push rbp at 0x1010, int3 elsewhere. */
    private static byte[] code() {
        byte[] c = new byte[32];
        Arrays.fill(c, (byte) 0xCC);
        c[0] = PUSH_RBP;
        byte[] cet = {(byte) 0xF3, 0x0F, 0x1E, (byte) 0xFA, PUSH_RBP};
        System.arraycopy(cet, 0, c, 0x10, cet.length);
        return c;
    }

    /** @return what the pass reads: the code, the symbols main and cet, and what an earlier run kept */
    private static PassInput input(byte[] code, List<KeptOriginal> kept) {
        CodeView view = (address, length) -> address >= CODE && length > 0 && address + length <= CODE + code.length
                ? Arrays.copyOfRange(code, (int) (address - CODE), (int) (address - CODE) + length) : null;
        ProgramSymbols symbols = new ProgramSymbols(List.of(new ProgramSymbols.Symbol("main", MAIN, 16),
                new ProgramSymbols.Symbol("cet", CET, 16), new ProgramSymbols.Symbol("data", 0x5000, 8)));
        PassInput.InputFacts facts = new PassInput.InputFacts(() -> new byte[32], () -> false, () -> symbols,
                () -> PltView.NONE, () -> RelocationView.NONE, () -> view, () -> kept);
        // the program stays empty: the driver lifts nothing for a pass that needs no CFG
        return new PassInput(new Program(List.of(), List.of(), List.of(), List.of(), 0), Set.of(),
                PassInput.Linking.DYNAMIC_EXECUTABLE, "hand-built", facts);
    }

    private static PassRequests run(PassInput input, List<String> enable, List<String> disable) {
        PassRequests requests = PassRequests.forInput(input);
        new PatchPass(enable, disable).run(input, requests);
        return requests;
    }

    /** @return {@code code} with the requests' in-place patches written, as the output side writes them */
    private static byte[] applied(byte[] code, PassRequests requests) {
        byte[] out = code.clone();
        for (PassRequests.InPlacePatch p : requests.inPlacePatches()) {
            System.arraycopy(p.bytes(), 0, out, (int) (p.address() - CODE), p.bytes().length);
        }
        return out;
    }

    @Test
    void needsNoCfg() {
        assertFalse(new PatchPass(List.of(), List.of("main")).needsCfg());
        assertEquals("patch", new PatchPass(List.of(), List.of()).name());
    }

    @Test
    void disableWritesRetAndKeepsTheByteItOverwrote() {
        PassRequests r = run(input(code(), List.of()), List.of(), List.of("main", "cet"));
        assertEquals(2, r.inPlacePatches().size());
        assertEquals(MAIN, r.inPlacePatches().get(0).address());
        assertArrayEquals(new byte[] {RET}, r.inPlacePatches().get(0).bytes());
        assertEquals(CET + 4, r.inPlacePatches().get(1).address(), "endbr64 stays first (CET)");
        List<KeptOriginal> kept = r.keptOriginals();
        assertEquals(List.of("main", "cet"), kept.stream().map(KeptOriginal::name).toList());
        assertEquals(List.of(MAIN, CET + 4), kept.stream().map(KeptOriginal::address).toList());
        assertArrayEquals(new byte[] {PUSH_RBP}, kept.get(0).bytes());
    }

    @Test
    void enableRestoresWhatWasKeptByNameOrAddress() {
        byte[] code = code();
        PassRequests first = run(input(code, List.of()), List.of(), List.of("main", "0x1010"));
        byte[] disabled = applied(code, first);
        // each by the other way of naming it: main by its address, cet by its name
        PassRequests second = run(input(disabled, first.keptOriginals()), List.of("0x1000", "cet"), List.of());
        assertArrayEquals(code, applied(disabled, second));
        assertTrue(second.keptOriginals().isEmpty(), "nothing left to keep: the output is the first file");
    }

    @Test
    void enableThenDisableInOneRunSeesTheRestoredByte() {
        byte[] code = code();
        PassRequests first = run(input(code, List.of()), List.of(), List.of("main"));
        byte[] disabled = applied(code, first);
        PassRequests again = run(input(disabled, first.keptOriginals()), List.of("main"), List.of("main"));
        assertArrayEquals(disabled, applied(disabled, again));
        assertEquals(1, again.keptOriginals().size());
        assertArrayEquals(new byte[] {PUSH_RBP}, again.keptOriginals().get(0).bytes(), "the original, not ret");
    }

    @Test
    void refusalsSayWhatIsWrong() {
        byte[] code = code();
        PassInput plain = input(code, List.of());
        assertMessage("no function nothing defined in hand-built", () -> run(plain, List.of(), List.of("nothing")));
        assertMessage("0xzz is neither a function name nor a hexadecimal address",
                () -> run(plain, List.of(), List.of("0xzz")));
        assertMessage("data at 0x5000 is not in executable code of hand-built", () -> run(plain, List.of(), List.of("data")));
        assertMessage("main was not disabled by ykrw patch in hand-built", () -> run(plain, List.of("main"), List.of()));
        assertMessage("main is already disabled", () -> run(plain, List.of(), List.of("main", "main")));
        assertMessage("0x1000 already starts with ret", () -> run(plain, List.of(), List.of("main", "0x1000")));
        // a kept record whose byte someone changed since: not restored
        List<KeptOriginal> kept = List.of(new KeptOriginal("main", MAIN, new byte[] {PUSH_RBP}));
        assertMessage("main: the byte at 0x1000 is no longer ret", () -> run(input(code, kept), List.of("main"), List.of()));
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable run) {
        YkrwException e = assertThrows(YkrwException.class, run);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
