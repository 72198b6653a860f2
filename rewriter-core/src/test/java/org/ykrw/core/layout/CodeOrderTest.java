package org.ykrw.core.layout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.ykrw.core.testutil.HandBuilt.code;
import static org.ykrw.core.testutil.HandBuilt.concat;
import static org.ykrw.core.testutil.HandBuilt.nops;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;
import org.ykrw.core.testutil.HandBuilt;

/**
 * {@link CodeLayout} with a {@link CodeOrder}: blocks in the chosen order, a conditional jump whose
 * target is laid out next inverted to aim at its fall-through (no added jmp), functions in the chosen
 * order, and orders that would break a function refused.
 */
class CodeOrderTest {
    private static final long OLD = 0x1000;
    private static final long BASE = 0x500000;

    /**
     * 0x1000 je 0x1006 | 0x1002 nop x3; ret (cold) | 0x1006 nop; ret (hot). Ordered entry, hot, cold:
     * the je becomes jne to the cold block, and the entry falls into the hot one.
     */
    @Test
    void jumpToTheNextBlockIsInverted() {
        Function f = HandBuilt.function("f", OLD, concat(code(0x74, 0x04), nops(3), code(0xc3), nops(1), code(0xc3)),
                OLD + 6);
        Block entry = f.blocks().get(0), cold = f.blocks().get(1), hot = f.blocks().get(2);
        Program p = new Program(List.of(f), List.of(), List.of(), List.of(), 0);
        CodeLayout l = new CodeLayout(p, List.of(f), BASE, new CodeOrder(List.of(f), Map.of(f, List.of(entry, hot, cold))));
        byte[] out = l.emit();
        assertEquals(0x75, out[0] & 0xFF, "je inverted to jne");
        assertEquals(BASE + 2, l.newAddressOfBlock(hot.address()));
        long coldAt = l.newAddressOfBlock(cold.address());
        assertEquals(BASE + 2 + 2, coldAt, "hot block (nop; ret) then the cold one");
        assertEquals(coldAt, BASE + 2 + out[1], "jne aims at the cold block");
        assertEquals(2 + 2 + 4, l.size(), "no jmp added");
    }

    /**
     * 0x1000 jmp 0x1003 | 0x1002 ret (cold) | 0x1003 ret (hot). Ordered entry, hot, cold: the jmp aims
     * at the block after it and is left out; the entry block has no bytes and starts where the hot one does.
     */
    @Test
    void jmpToTheNextBlockIsLeftOut() {
        Function f = HandBuilt.function("f", OLD, concat(code(0xeb, 0x01), code(0xc3), code(0xc3)), OLD + 2, OLD + 3);
        Block entry = f.blocks().get(0), cold = f.blocks().get(1), hot = f.blocks().get(2);
        Program p = new Program(List.of(f), List.of(), List.of(), List.of(), 0);
        CodeLayout l = new CodeLayout(p, List.of(f), BASE, new CodeOrder(List.of(f), Map.of(f, List.of(entry, hot, cold))));
        byte[] out = l.emit();
        assertEquals(BASE, l.newAddressOfBlock(hot.address()));
        assertEquals(BASE, l.newAddressOfFunction(OLD));
        assertEquals(BASE + 1, l.newAddressOfBlock(cold.address()));
        assertEquals(0xc3, out[0] & 0xFF);
        assertEquals(2, l.size(), "two rets, no jmp");
    }

    /**
     * Hot/cold splitting: f (as above) split after its entry and hot block; its cold block goes after
     * all hot code (g's too), the inverted jump reaches it there, and f's range has two parts.
     */
    @Test
    void coldPartsFollowAllHotCode() {
        Function f = HandBuilt.function("f", OLD, concat(code(0x74, 0x04), nops(3), code(0xc3), nops(1), code(0xc3)),
                OLD + 6);
        Function g = HandBuilt.function("g", 0x2000, code(0xc3));
        Block entry = f.blocks().get(0), cold = f.blocks().get(1), hot = f.blocks().get(2);
        Program p = new Program(List.of(f, g), List.of(), List.of(), List.of(), 0);
        CodeOrder order = new CodeOrder(List.of(f, g), Map.of(f, List.of(entry, hot, cold)), Map.of(f, 2));
        CodeLayout l = new CodeLayout(p, List.of(f, g), BASE, order);
        byte[] out = l.emit();
        assertEquals(BASE + 16, l.newAddressOfFunction(0x2000), "g right after f's hot part (4 bytes, aligned)");
        long coldAt = l.newAddressOfBlock(cold.address());
        assertEquals(BASE + 16 + 1, coldAt, "the cold block after g's ret");
        assertEquals(0x75, out[0] & 0xFF, "je inverted to jne");
        assertEquals(coldAt, BASE + 2 + out[1], "jne aims at the cold block");
        assertArrayEquals(new long[] {BASE, BASE + 4, coldAt, coldAt + 4}, l.newRange(f));
        assertArrayEquals(new long[] {BASE + 16, BASE + 17}, l.newRange(g));
        assertEquals(16 + 1 + 4, l.size());
    }

    /** Functions come in the chosen order; those not named follow in address order. */
    @Test
    void functionsComeInTheChosenOrder() {
        Function a = HandBuilt.function("a", 0x1000, code(0xc3));
        Function b = HandBuilt.function("b", 0x2000, code(0xc3));
        Function c = HandBuilt.function("c", 0x3000, code(0xc3));
        Program p = new Program(List.of(a, b, c), List.of(), List.of(), List.of(), 0);
        CodeLayout l = new CodeLayout(p, List.of(a, b, c), BASE, new CodeOrder(List.of(c), Map.of()));
        assertEquals(BASE, l.newAddressOfFunction(0x3000));
        assertEquals(BASE + 16, l.newAddressOfFunction(0x1000));
        assertEquals(BASE + 32, l.newAddressOfFunction(0x2000));
        assertEquals(List.of(a, b, c), l.functions(), "functions() stays in address order");
    }

    @Test
    void ordersThatBreakAFunctionAreRefused() {
        Function f = HandBuilt.function("f", OLD, concat(code(0x74, 0x01), code(0xc3), code(0xc3)));
        List<Block> blocks = f.blocks();
        assertThrows(IllegalArgumentException.class, () -> new CodeOrder(List.of(), Map.of(f, List.of(blocks.get(1), blocks.get(0), blocks.get(2)))));
        assertThrows(IllegalArgumentException.class, () -> new CodeOrder(List.of(), Map.of(f, List.of(blocks.get(0), blocks.get(1)))));
        assertThrows(IllegalArgumentException.class, () -> new CodeOrder(List.of(), Map.of(), Map.of(f, 0)), "entry cold");
        assertThrows(IllegalArgumentException.class, () -> new CodeOrder(List.of(), Map.of(), Map.of(f, 3)), "nothing cold");
    }
}
