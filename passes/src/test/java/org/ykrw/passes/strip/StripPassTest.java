package org.ykrw.passes.strip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;
import org.ykrw.core.pass.CodeView;
import org.ykrw.core.pass.PassInput;
import org.ykrw.core.pass.PassRequests;
import org.ykrw.core.pass.PltView;
import org.ykrw.core.pass.ProgramSymbols;
import org.ykrw.core.pass.RelocationView;
import org.ykrw.core.x86.decode.CapstoneDecoder;

/**
 * {@link StripPass} on hand-built IR: the seed's {@code mov edi, F; mov esi, B; call T} goes whole,
 * from moved code by {@code Block.remove} and from code that stays by one NOP as long as all three;
 * a tail jump to the tracer becomes {@code ret}; an unrelated call and its set-up stay.
 */
class StripPassTest {
    private static final long TRACER = 0x2000;
    private static final long MAIN = 0x1000;
    /** mov edi, 1; mov esi, 2; call TRACER; mov edi, 3; call 0x3000; jmp TRACER */
    private static final byte[] CODE = concat(code(0xBF, 1, 0, 0, 0), code(0xBE, 2, 0, 0, 0),
            rel32(0xE8, MAIN + 10, TRACER), code(0xBF, 3, 0, 0, 0), rel32(0xE8, MAIN + 20, 0x3000),
            rel32(0xE9, MAIN + 25, TRACER));

    private static byte[] code(int... bytes) {
        byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = (byte) bytes[i];
        }
        return out;
    }

    private static byte[] concat(byte[]... pieces) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : pieces) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** @return a function of one block holding {@code code} */
    private static Function function(String name, long entry, byte[] code) {
        Function f = new Function(entry, name);
        try (CapstoneDecoder d = new CapstoneDecoder()) {
            f.addBlock(d.decode(code, 0, code.length, entry, 0));
        }
        f.setEndAddress(entry + code.length);
        f.setCfgBuilt();
        return f;
    }

    private static byte[] rel32(int op, long at, long target) {
        long d = target - (at + 5);
        return code(op, (int) d & 0xFF, (int) (d >> 8) & 0xFF, (int) (d >> 16) & 0xFF, (int) (d >> 24) & 0xFF);
    }

    /** What the pass saw and what it asked for. */
    private record Ran(Program program, PassRequests requests) {
        List<PassRequests.InPlacePatch> inPlacePatches() {
            return requests.inPlacePatches();
        }
    }

    private static Ran run(boolean moved) {
        Function main = function("main", MAIN, CODE);
        Function tracer = function("tracer", TRACER, code(0xC3));
        Program p = new Program(List.of(main, tracer), List.of(), List.of(), List.of(), 0);
        // the tracer is found by name through the symbol view, as in a file
        ProgramSymbols symbols = new ProgramSymbols(List.of(new ProgramSymbols.Symbol("main", MAIN, CODE.length),
                new ProgramSymbols.Symbol("tracer", TRACER, 1)));
        PassInput.InputFacts facts = new PassInput.InputFacts(() -> new byte[32], () -> false, () -> symbols,
                () -> PltView.NONE, () -> RelocationView.NONE, () -> CodeView.NONE, List::of);
        PassInput input = new PassInput(p, moved ? Set.of(main, tracer) : Set.of(), PassInput.Linking.STATIC,
                "hand-built", facts);
        PassRequests requests = PassRequests.forInput(input);
        StripPass strip = new StripPass(List.of("tracer"));
        strip.run(input, requests);
        assertEquals(2, strip.callSites(), "the call and the tail jump");
        assertEquals(2, strip.argumentInstructions());
        return new Ran(p, requests);
    }

    @Test
    void movedCodeLeavesTheCallsOut() {
        Ran c = run(true);
        Block b = c.program().functionAt(MAIN).blocks().get(0);
        for (int i = 0; i < b.instructionCount(); i++) {
            assertEquals(i <= 2 || i == 5, b.isRemoved(i), "instruction " + i);
        }
        assertEquals(1, b.probesBefore(5).size(), "the tail jump's ret");
        assertTrue(c.inPlacePatches().isEmpty());
        assertFalse(c.program().functionAt(TRACER).blocks().get(0).isRemoved(0), "the tracer itself stays");
    }

    /** In code that stays, the set-up and the call (15 bytes in a row) become one 15-byte NOP. */
    @Test
    void codeThatStaysGetsOneNopPerRun() {
        Ran c = run(false);
        List<PassRequests.InPlacePatch> patches = new java.util.ArrayList<>(c.inPlacePatches());
        patches.sort(java.util.Comparator.comparingLong(PassRequests.InPlacePatch::address));
        assertEquals(List.of(MAIN, MAIN + 25), patches.stream().map(PassRequests.InPlacePatch::address).toList());
        byte[] run = patches.get(0).bytes();
        assertEquals(15, run.length);
        try (CapstoneDecoder d = new CapstoneDecoder()) {
            List<org.ykrw.core.x86.Insn> nops = d.decode(run, 0, run.length, MAIN, 0);
            assertEquals(1, nops.size(), nops.toString());
            assertTrue(nops.get(0).isNop(), nops.toString());
        }
        assertEquals((byte) 0xC3, patches.get(1).bytes()[0], "ret, then NOPs");
        assertEquals(5, patches.get(1).bytes().length);
        assertFalse(c.program().functionAt(MAIN).blocks().get(0).isRemoved(0), "nothing removed in place");
    }
}
