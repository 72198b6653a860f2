package org.ykrw.passes.optimize;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.EdgeKind;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;
import org.ykrw.core.x86.Insn;
import org.ykrw.core.x86.decode.CapstoneDecoder;

/**
 * The ordering algorithms on CFGs drawn by hand: blocks are runs of NOPs (only their sizes matter
 * here) and the edges are the ones each test draws; counts are the profile.
 */
class LayoutOrderTest {
    /** Hot side of a diamond falls through; the never-run side goes to the end. */
    @Test
    void hotSideOfADiamondFollowsItsBranch() {
        Function f = function("diamond", 0x1000, 4, 4, 4, 4);
        Block a = f.blocks().get(0), b = f.blocks().get(1), c = f.blocks().get(2), d = f.blocks().get(3);
        edge(f, a, b, EdgeKind.FALL_THROUGH);
        edge(f, a, c, EdgeKind.CONDITIONAL);
        edge(f, b, d, EdgeKind.BRANCH);
        edge(f, c, d, EdgeKind.FALL_THROUGH);
        BlockProfile p = profile(Map.of(a, 100L, c, 100L, d, 100L));
        assertEquals(List.of(a, c, d, b), BlockChains.order(f, p));
    }

    /** A loop's body follows its head; the exit, run once, comes after; the entry stays first. */
    @Test
    void loopBodyFollowsItsHeadAndTheEntryStaysFirst() {
        Function f = function("loop", 0x2000, 4, 4, 4, 4);
        Block a = f.blocks().get(0), head = f.blocks().get(1), exit = f.blocks().get(2), body = f.blocks().get(3);
        edge(f, a, head, EdgeKind.FALL_THROUGH);
        edge(f, head, exit, EdgeKind.FALL_THROUGH);
        edge(f, head, body, EdgeKind.CONDITIONAL);
        edge(f, body, head, EdgeKind.BRANCH);
        edge(f, body, a, EdgeKind.CONDITIONAL);   // hotter than the entry's own way in: the entry still leads
        BlockProfile p = profile(Map.of(a, 500L, head, 1000L, body, 999L, exit, 1L));
        List<Block> order = BlockChains.order(f, p);
        assertEquals(a, order.get(0));
        assertEquals(order.indexOf(head) + 1, order.indexOf(body));
        assertEquals(3, order.indexOf(exit));
    }

    /** Without counts the order is the function's own. */
    @Test
    void anUnprofiledFunctionKeepsItsOrder() {
        Function f = function("cold", 0x3000, 2, 2, 2);
        edge(f, f.blocks().get(0), f.blocks().get(2), EdgeKind.CONDITIONAL);
        edge(f, f.blocks().get(0), f.blocks().get(1), EdgeKind.FALL_THROUGH);
        assertEquals(f.blocks(), BlockChains.order(f, profile(Map.of())));
    }

    /** A hot callee joins its hottest caller's cluster; functions that never ran are left out. */
    @Test
    void hotCalleesFollowTheirHottestCaller() {
        Function main = function("main", 0x1000, 16, 16);
        Function rarely = function("rarely", 0x2000, 16);
        Function often = function("often", 0x3000, 64);
        Function hot = function("hot", 0x4000, 32);
        Function never = function("never", 0x5000, 8);
        call(main, main.blocks().get(0), rarely);
        call(main, main.blocks().get(1), hot);
        call(often, often.blocks().get(0), hot);
        Program program = new Program(List.of(main, rarely, often, hot, never), List.of(), List.of(), List.of(), 0);
        Map<Block, Long> counts = new HashMap<>();
        counts.put(main.blocks().get(0), 1L);
        counts.put(main.blocks().get(1), 10L);
        counts.put(rarely.blocks().get(0), 1L);
        counts.put(often.blocks().get(0), 5000L);
        counts.put(hot.blocks().get(0), 5010L);
        List<Function> order = FunctionClusters.order(program, program.functions(), profile(counts));
        assertEquals(4, order.size(), order.toString());
        // hot is called 5000 times from often, 10 from main: it goes with often
        assertEquals(order.indexOf(often) + 1, order.indexOf(hot), order.toString());
        assertEquals(-1, order.indexOf(never));
    }

    /** Clusters stop growing at a page: two big functions stay apart. */
    @Test
    void clustersStayWithinAPage() {
        Function caller = function("caller", 0x1000, 3000);
        Function callee = function("callee", 0x10000, 3000);
        call(caller, caller.blocks().get(0), callee);
        Program program = new Program(List.of(caller, callee), List.of(), List.of(), List.of(), 0);
        // the callee is denser: alone, its cluster comes first
        BlockProfile p = profile(Map.of(caller.blocks().get(0), 1L, callee.blocks().get(0), 1000L));
        assertEquals(List.of(callee, caller), FunctionClusters.order(program, program.functions(), p));
    }

    private static BlockProfile profile(Map<Block, Long> counts) {
        Map<Long, Long> byAddress = new HashMap<>();
        counts.forEach((b, n) -> byAddress.put(b.address(), n));
        return new BlockProfile(0, byAddress);
    }

    private static void edge(Function f, Block from, Block to, EdgeKind kind) {
        f.addEdge(from, to, to.address(), kind);
    }

    private static void call(Function f, Block from, Function callee) {
        f.addEdge(from, null, callee.entryAddress(), EdgeKind.CALL);
    }

    /** A function of blocks of NOPs of the given sizes, one after the other, with no edges yet. */
    private static Function function(String name, long entry, int... sizes) {
        int total = 0;
        for (int s : sizes) {
            total += s;
        }
        byte[] nops = new byte[total];
        java.util.Arrays.fill(nops, (byte) 0x90);
        List<Insn> insns;
        try (CapstoneDecoder d = new CapstoneDecoder()) {
            insns = d.decode(nops, 0, nops.length, entry, 0);
        }
        Function f = new Function(entry, name);
        int at = 0;
        for (int s : sizes) {
            f.addBlock(new ArrayList<>(insns.subList(at, at + s)));
            at += s;
        }
        f.setEndAddress(entry + total);
        f.setCfgBuilt();
        return f;
    }
}
