package org.ykrw.core.layout;

import static org.junit.jupiter.api.Assertions.*;
import static org.ykrw.core.testutil.HandBuilt.code;
import static org.ykrw.core.testutil.HandBuilt.concat;
import static org.ykrw.core.testutil.HandBuilt.nops;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Probe;
import org.ykrw.core.ir.Program;
import org.ykrw.core.testutil.HandBuilt;

/**
 * Branch relaxation of {@link CodeLayout} on hand-built functions whose branch distances are chosen
 * to sit on either side of the rel8 limits (+127 forward, -128 backward), grown by probes of a known
 * size: a short branch stays short exactly as long as it reaches, a long one never shrinks, and a
 * chain where each growth pushes the next branch out of reach takes one measuring pass per link.
 */
class BranchRelaxationTest {
    private static final long OLD = 0x1000;
    private static final long BASE = 0x500000;  // 16-aligned: the function lands at BASE
    private static final int JE = 0x74;

    /** A probe of {@code n} int3 bytes: easy to find in the output, never run here. */
    private static Probe filler(int n) {
        return (w, c) -> {
            byte[] b = new byte[n];
            Arrays.fill(b, (byte) 0xCC);
            w.bytes(b);
        };
    }

    private static CodeLayout layout(Function f) {
        Program p = new Program(List.of(f), List.of(), List.of(), List.of(), 0);
        return new CodeLayout(p, List.of(f), BASE);
    }

    /** @return the rel8 or rel32 target of the jcc/jmp emitted at {@code offset} of {@code out} */
    private static long branchTarget(byte[] out, int offset) {
        int op = out[offset] & 0xFF;
        if (op == 0x0F) {
            return BASE + offset + 6 + readI32(out, offset + 2);
        }
        if (op == 0xE9) {
            return BASE + offset + 5 + readI32(out, offset + 1);
        }
        return BASE + offset + 2 + out[offset + 1];
    }

    private static int readI32(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16 | (b[at + 3] & 0xFF) << 24;
    }

    /** je over 16 nops to a ret; the fall-through block gets a probe of {@code probe} bytes first. */
    @ParameterizedTest
    @CsvSource({"0, false", "111, false", "112, true", "200, true"})
    void forwardBranchIsShortWhileItReaches(int probe, boolean expectLong) {
        Function f = HandBuilt.function("fwd", OLD, concat(code(JE, 0x10), nops(16), code(0xc3)), OLD + 0x12);
        if (probe > 0) {
            f.blocks().get(1).insertBefore(0, filler(probe));
        }
        CodeLayout l = layout(f);
        byte[] out = l.emit();
        long target = l.newAddressOfBlock(OLD + 0x12);
        // the distance from the end of a short je: 16 nops plus the probe; 127 is the last that fits
        assertEquals(BASE + 2 + 16 + probe + (expectLong ? 4 : 0), target);
        assertEquals(expectLong ? 0x0F : JE, out[0] & 0xFF);
        if (expectLong) {
            assertEquals(0x84, out[1] & 0xFF, "je rel32");
        }
        assertEquals(target, branchTarget(out, 0));
        assertEquals(expectLong ? 2 : 1, l.passes());
        int probeAt = expectLong ? 6 : 2;
        for (int i = 0; i < probe; i++) {
            assertEquals((byte) 0xCC, out[probeAt + i], "probe byte " + i);
        }
        assertEquals((byte) 0x90, out[probeAt + probe], "the block's first nop follows its probe");
    }

    /** 10 nops then jne back to them; a probe at the loop head lengthens the backward jump. */
    @ParameterizedTest
    @CsvSource({"0, false", "116, false", "117, true"})
    void backwardBranchIsShortWhileItReaches(int probe, boolean expectLong) {
        Function f = HandBuilt.function("back", OLD, concat(nops(10), code(0x75, 0xF4, 0xc3)));
        if (probe > 0) {
            f.blocks().get(0).insertBefore(0, filler(probe));
        }
        CodeLayout l = layout(f);
        byte[] out = l.emit();
        int at = 10 + probe;
        assertEquals(expectLong ? 0x0F : 0x75, out[at] & 0xFF);
        assertEquals(BASE, branchTarget(out, at), "back to the loop head, its probe included");
        // a short jne at 10 + probe reaches back -(12 + probe): -128 is the last that fits
        assertEquals(expectLong, 12 + probe > 128);
    }

    @Test
    void longBranchStaysLongEvenInReach() {
        byte[] in = concat(code(0x0F, 0x84, 0x02, 0, 0, 0), nops(2), code(0xc3));
        Function f = HandBuilt.function("long", OLD, in, OLD + 8);
        CodeLayout l = layout(f);
        assertArrayEquals(in, l.emit(), "moved unchanged: a branch never shrinks");
        assertEquals(1, l.passes());
    }

    @Test
    void fallThroughToCodeLeftBehindBecomesAJump() {
        // a nop whose fall-through successor (0x1001) is not in the function: the layout adds a jmp to it
        Function f = new Function(OLD, "gap");
        f.addBlock(HandBuilt.decode(code(0x90), OLD));
        f.addBlock(HandBuilt.decode(code(0xc3), OLD + 0x10));
        f.setEndAddress(OLD + 0x11);
        f.setCfgBuilt();
        CodeLayout l = layout(f);
        byte[] out = l.emit();
        assertEquals(0xE9, out[1] & 0xFF, "the added jmp starts short and grows: old code is far away");
        assertEquals(OLD + 1, branchTarget(out, 1));
        assertEquals(2, l.passes());
    }

    /**
     * Four je, each spanning the next one only, three of them exactly 127 bytes long: b1 over b2 to T1,
     * b2 over b3 to T2, b3 over b4 to T3, b4 to T4. A probe between T3 and T4 decides b4; each branch
     * that grows by 4 bytes pushes the one before it out of reach in the next pass.
     */
    @ParameterizedTest
    @CsvSource({"0, 0, 1", "77, 0, 1", "78, 4, 5"})
    void chainOfBranchesAtTheLimitGrowsOnePassPerLink(int probe, int expectLong, int expectPasses) {
        int a = 85;
        int b = 40;
        int c = 45;
        int c3 = 10;
        int x2 = 2 + a;
        int t1 = x2 + 2 + b;
        int x3 = t1 + c;
        int t2 = x3 + 2 + b;
        int x4 = t2 + c;
        int t3 = x4 + 2 + b;
        int t4 = t3 + c3;
        int[] from = {0, x2, x3, x4};
        int[] to = {t1, t2, t3, t4};
        byte[] in = concat(je(0, t1), nops(a), je(x2, t2), nops(b), nops(c), je(x3, t3), nops(b), nops(c),
                je(x4, t4), nops(b), nops(c3), code(0xc3));
        assertEquals(t4 + 1, in.length);
        for (int i = 0; i < 3; i++) {
            assertEquals(127, to[i] - (from[i] + 2), "span of b" + (i + 1));
        }
        Function f = HandBuilt.function("chain", OLD, in, OLD + t1, OLD + t2, OLD + t3, OLD + t4);
        if (probe > 0) {
            HandBuilt.blockAt(f, OLD + t3).insertBefore(0, filler(probe));
        }
        CodeLayout l = layout(f);
        byte[] out = l.emit();
        InstructionMap map = l.instructionMap();
        int longOnes = 0;
        for (int i = 0; i < 4; i++) {
            int at = (int) (map.get(OLD + from[i]) - BASE);
            boolean isLong = (out[at] & 0xFF) == 0x0F;
            longOnes += isLong ? 1 : 0;
            assertEquals(l.newAddressOfBlock(OLD + to[i]), branchTarget(out, at), "b" + (i + 1) + " reaches T" + (i + 1));
        }
        assertEquals(expectLong, longOnes);
        assertEquals(expectPasses, l.passes());
        if (probe == 0) {
            assertArrayEquals(in, out, "nothing to grow: the code moves byte for byte");
        }
    }

    /** @return a short je at old offset {@code at} to old offset {@code target} */
    private static byte[] je(int at, int target) {
        int disp = target - (at + 2);
        assertTrue(disp >= -128 && disp <= 127);
        return code(JE, disp & 0xFF);
    }

    @Test
    void probesAtEntryRunBeforeTheEntryBlockAndCallsLandBeforeThem() {
        Function f = HandBuilt.function("entry", OLD, code(0x90, 0xc3));
        f.insertAtEntry(filler(3));
        CodeLayout l = layout(f);
        byte[] out = l.emit();
        assertArrayEquals(code(0xCC, 0xCC, 0xCC, 0x90, 0xc3), out);
        assertEquals(BASE, l.newAddressOfFunction(OLD), "calls run the entry probes");
        assertEquals(BASE + 3, l.newAddressOfBlock(OLD), "branches to the entry block skip them");
        Block only = f.blocks().get(0);
        assertEquals(OLD, only.address());
    }

    /**
     * Removed instructions are not emitted: a {@code mov edi, 1; call} pair goes, the branch over it
     * then spans fewer bytes, branches to the removed call land on what follows it, and a removed
     * {@code je} whose two ways meet falls through.
     */
    @Test
    void removedInstructionsAreLeftOut() {
        // 0: je +7 (to 9) | 2: mov edi, 1 | 7: nop; nop | 9: call +0 (placeholder target: itself+5) | 14: ret
        byte[] in = concat(code(JE, 0x07), code(0xBF, 1, 0, 0, 0), nops(2), code(0xE8, 0, 0, 0, 0), code(0xc3));
        Function f = HandBuilt.function("cut", OLD, in, OLD + 2, OLD + 9);
        Block first = f.blocks().get(0);
        Block middle = f.blocks().get(1);
        Block last = f.blocks().get(2);
        first.remove(0);
        middle.remove(0);
        last.remove(0);
        assertTrue(last.isRemoved(0));
        assertFalse(last.isRemoved(1));
        CodeLayout l = layout(f);
        assertArrayEquals(concat(nops(2), code(0xc3)), l.emit(), "only the nops and the ret are left");
        InstructionMap map = l.instructionMap();
        assertEquals(BASE, map.get(OLD), "the removed je maps to what follows it");
        assertEquals(BASE + 2, map.get(OLD + 9), "so does the removed call");
        assertEquals(BASE + 2, l.newAddressOfBlock(OLD + 9), "branches to its block land on the ret");
    }
}
