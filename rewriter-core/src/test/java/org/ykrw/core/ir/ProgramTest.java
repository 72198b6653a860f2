package org.ykrw.core.ir;

import static org.junit.jupiter.api.Assertions.*;
import static org.ykrw.core.testutil.HandBuilt.code;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.ykrw.core.testutil.HandBuilt;
import org.ykrw.core.x86.Insn;

/**
 * The IR's invariants on a program built by hand (no ELF file): functions in address order with their
 * positions as indices, address lookups at the edges of every range, edges seen from both ends, and the
 * mutators' checks.
 */
class ProgramTest {
    /** test edi, edi; je +3; xor eax, eax; ret; mov eax, 1; ret: blocks at 0x1000, 0x1004, 0x1007. */
    private static final byte[] BRANCHY = code(0x85, 0xff, 0x74, 0x03, 0x31, 0xc0, 0xc3, 0xb8, 0x01, 0, 0, 0, 0xc3);

    private static Function branchy() {
        return HandBuilt.function("branchy", 0x1000, BRANCHY);
    }

    private static Program program(Function... functions) {
        return new Program(List.of(functions), List.of(), List.of(), List.of(), 0);
    }

    @Test
    void functionsAreSortedByEntryAndIndexedByPosition() {
        Function high = HandBuilt.function("high", 0x2000, code(0xc3));
        Function low = branchy();
        Function middle = HandBuilt.function("middle", 0x1800, code(0x90, 0xc3));
        Program p = program(high, low, middle);
        assertEquals(List.of(low, middle, high), p.functions());
        for (int i = 0; i < 3; i++) {
            assertEquals(i, p.functions().get(i).index());
        }
        assertThrows(UnsupportedOperationException.class, () -> p.functions().add(low));
    }

    @Test
    void aFunctionInAProgramKeepsWhatTheProgramIndexed() {
        Function f = branchy();
        Program p = program(f);
        Insn ret = f.blocks().get(2).instructions().get(1);
        assertThrows(IllegalStateException.class, () -> f.addAlias("other"), "names are indexed");
        assertThrows(IllegalStateException.class, () -> f.setEndAddress(0x2000), "ranges are indexed");
        assertThrows(IllegalStateException.class, () -> f.addBlock(List.of(ret)), "blocks are indexed");
        assertTrue(p.functionByName("other").isEmpty());
        assertSame(f, p.functionContaining(0x100c));
        assertNull(p.functionContaining(0x100d));
    }

    @Test
    void functionLookupsHonourRangeEnds() {
        Function f = branchy();
        Function g = HandBuilt.function("g", 0x1800, code(0x90, 0xc3));
        g.addAlias("g_alias");
        g.addAlias("g");   // its own name is no alias
        Program p = program(f, g);
        assertSame(f, p.functionAt(0x1000));
        assertNull(p.functionAt(0x1001));
        assertSame(f, p.functionContaining(0x100c));
        assertNull(p.functionContaining(0x100d), "end is exclusive");
        assertNull(p.functionContaining(0xfff));
        assertSame(g, p.functionContaining(0x1801));
        assertSame(g, p.functionByName("g_alias").orElseThrow());
        assertEquals(java.util.Set.of("g_alias"), g.aliases());
        assertTrue(p.functionByName("nothing").isEmpty());
        assertEquals(0x1800, p.nextFunctionEntry(0x1000));
        assertEquals(Long.MAX_VALUE, p.nextFunctionEntry(0x1800));
    }

    @Test
    void blockLookupsHonourRangeEnds() {
        Function f = branchy();
        Program p = program(f);
        List<Block> b = f.blocks();
        assertEquals(List.of(0x1000L, 0x1004L, 0x1007L), b.stream().map(Block::address).toList());
        assertEquals(List.of(0, 1, 2), b.stream().map(Block::index).toList());
        assertSame(b.get(1), p.blockAt(0x1004));
        assertNull(p.blockAt(0x1005), "inside a block, not at its start");
        assertSame(b.get(1), p.blockContaining(0x1006));
        assertSame(b.get(2), p.blockContaining(0x100c));
        assertNull(p.blockContaining(0x100d));
        assertNull(p.blockContaining(0xfff));
        assertEquals(0x1007, p.nextBlockStart(0x1004));
        assertEquals(0x1007, p.nextBlockStart(0x1005));
        assertEquals(Long.MAX_VALUE, p.nextBlockStart(0x1007));
        assertEquals(b.get(0), f.entryBlock());
        assertEquals(3, b.get(1).size());
        assertEquals(2, b.get(1).instructionCount());
        assertEquals(0x1007, b.get(1).endAddress());
    }

    @Test
    void edgesAreSeenFromBothEnds() {
        Function f = branchy();
        List<Block> b = f.blocks();
        List<Edge> out = b.get(0).successors();
        assertEquals(List.of(EdgeKind.CONDITIONAL, EdgeKind.FALL_THROUGH), out.stream().map(Edge::kind).toList());
        assertSame(b.get(2), out.get(0).to());
        assertEquals(0x1007, out.get(0).targetAddress());
        assertSame(out.get(0), b.get(2).predecessors().get(0), "the same edge object at both ends");
        assertSame(out.get(1), b.get(1).predecessors().get(0));
        assertTrue(b.get(0).predecessors().isEmpty());
        assertEquals(EdgeKind.RETURN, b.get(1).successors().get(0).kind());
        assertNull(b.get(1).successors().get(0).to());
        assertThrows(UnsupportedOperationException.class, () -> out.add(out.get(0)));
        assertThrows(UnsupportedOperationException.class, () -> b.get(0).instructions().remove(0));
    }

    @Test
    void manyEdgesKeepTheirOrderAndMarkTableTargets() {
        // a block with more edges than the two kept in fields: a jump table's targets
        Function f = new Function(0x3000, "table");
        List<Insn> insns = HandBuilt.decode(HandBuilt.concat(code(0xff, 0xe0), HandBuilt.nops(6), code(0xc3)), 0x3000);
        Block jump = f.addBlock(insns.subList(0, 1));
        List<Block> targets = new ArrayList<>();
        for (int i = 1; i < insns.size(); i++) {
            targets.add(f.addBlock(insns.subList(i, i + 1)));
        }
        for (Block t : targets) {
            f.addEdge(jump, t, t.address(), EdgeKind.JUMP_TABLE);
            f.addEdge(jump, t, t.address(), EdgeKind.JUMP_TABLE);  // a table may name a case twice
        }
        List<Edge> out = jump.successors();
        assertEquals(2 * targets.size(), out.size());
        for (int i = 0; i < targets.size(); i++) {
            assertSame(targets.get(i), out.get(2 * i).to());
            assertSame(targets.get(i), out.get(2 * i + 1).to());
            assertEquals(2, targets.get(i).predecessors().size());
            assertTrue(targets.get(i).isIndirectTarget(), "a jump-table target is reached through a pointer");
        }
        assertFalse(jump.isIndirectTarget());
        assertThrows(IndexOutOfBoundsException.class, () -> out.get(out.size()));
    }

    @Test
    void mutatorsCheckTheirArguments() {
        Function f = branchy();
        Function other = HandBuilt.function("other", 0x2000, code(0xc3));
        List<Insn> early = HandBuilt.decode(code(0x90), 0x0fff);
        assertThrows(IllegalStateException.class, () -> f.addBlock(early), "blocks must come in address order");
        assertThrows(IllegalArgumentException.class, () -> f.addBlock(List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> f.addEdge(other.blocks().get(0), f.blocks().get(0), 0x1000, EdgeKind.BRANCH));
        assertThrows(IndexOutOfBoundsException.class, () -> f.blocks().get(1).insertBefore(2, (w, c) -> { }));
        assertThrows(IndexOutOfBoundsException.class, () -> f.blocks().get(1).insertBefore(-1, (w, c) -> { }));
        assertThrows(UnsupportedOperationException.class, () -> f.blocks().remove(0));
    }

    @Test
    void entryBlockNeedsACfg() {
        Function f = new Function(0x1000, "bare");
        f.addBlock(HandBuilt.decode(code(0xc3), 0x1000));
        assertEquals(FunctionState.DISCOVERED, f.state());
        assertThrows(IllegalStateException.class, f::entryBlock);
        f.setCfgBuilt();
        assertEquals(FunctionState.CFG, f.state());
        assertEquals(0x1000, f.entryBlock().address());
    }

    @Test
    void skippingKeepsTheFirstReason() {
        Function f = branchy();
        f.skip(SkipReason.UNRESOLVED_JUMP_TABLE);
        f.skip(SkipReason.UNDECODABLE);
        assertEquals(SkipReason.UNRESOLVED_JUMP_TABLE, f.skipReason());
        assertEquals(FunctionState.SKIPPED, f.state());
        f.setCfgBuilt();
        assertEquals(FunctionState.SKIPPED, f.state(), "a skipped function stays skipped");
    }

    @Test
    void probesRunInInsertionOrderAtTheirPosition() {
        Function f = branchy();
        Block b = f.blocks().get(2);
        Probe first = (w, c) -> w.nop(1);
        Probe second = (w, c) -> w.nop(2);
        Probe beforeRet = (w, c) -> w.nop(3);
        assertFalse(b.hasProbes());
        b.insertBefore(0, first);
        b.insertBefore(1, beforeRet);
        b.insertBefore(0, second);
        assertTrue(b.hasProbes());
        assertEquals(List.of(first, second), b.probesBefore(0));
        assertEquals(List.of(beforeRet), b.probesBefore(1));
        assertFalse(f.blocks().get(0).hasProbes());
        assertTrue(f.entryProbes().isEmpty());
        f.insertAtEntry(first);
        assertEquals(List.of(first), f.entryProbes());
        assertThrows(UnsupportedOperationException.class, () -> b.probesBefore(0).clear());
    }
}
