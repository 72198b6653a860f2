package org.ykrw.passes.optimize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
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
    @ParameterizedTest
    @EnumSource(BlockOrder.class)
    void hotSideOfADiamondFollowsItsBranch(BlockOrder order) {
        Function f = function("diamond", 0x1000, 4, 4, 4, 4);
        Block a = f.blocks().get(0), b = f.blocks().get(1), c = f.blocks().get(2), d = f.blocks().get(3);
        edge(f, a, b, EdgeKind.FALL_THROUGH);
        edge(f, a, c, EdgeKind.CONDITIONAL);
        edge(f, b, d, EdgeKind.BRANCH);
        edge(f, c, d, EdgeKind.FALL_THROUGH);
        BlockProfile p = profile(Map.of(a, 100L, c, 100L, d, 100L));
        assertEquals(List.of(a, c, d, b), order.order(f, p));
    }

    /** A loop's body follows its head; the exit, run once, comes after; the entry stays first. */
    @ParameterizedTest
    @EnumSource(BlockOrder.class)
    void loopBodyFollowsItsHeadAndTheEntryStaysFirst(BlockOrder how) {
        Function f = function("loop", 0x2000, 4, 4, 4, 4);
        Block a = f.blocks().get(0), head = f.blocks().get(1), exit = f.blocks().get(2), body = f.blocks().get(3);
        edge(f, a, head, EdgeKind.FALL_THROUGH);
        edge(f, head, exit, EdgeKind.FALL_THROUGH);
        edge(f, head, body, EdgeKind.CONDITIONAL);
        edge(f, body, head, EdgeKind.BRANCH);
        edge(f, body, a, EdgeKind.CONDITIONAL);   // hotter than the entry's own way in: the entry still leads
        BlockProfile p = profile(Map.of(a, 500L, head, 1000L, body, 999L, exit, 1L));
        List<Block> order = how.order(f, p);
        assertEquals(a, order.get(0));
        assertEquals(order.indexOf(head) + 1, order.indexOf(body));
        assertEquals(3, order.indexOf(exit));
    }

    /** Without counts the order is the function's own. */
    @ParameterizedTest
    @EnumSource(BlockOrder.class)
    void anUnprofiledFunctionKeepsItsOrder(BlockOrder order) {
        Function f = function("cold", 0x3000, 2, 2, 2);
        edge(f, f.blocks().get(0), f.blocks().get(2), EdgeKind.CONDITIONAL);
        edge(f, f.blocks().get(0), f.blocks().get(1), EdgeKind.FALL_THROUGH);
        assertEquals(f.blocks(), order.order(f, profile(Map.of())));
    }

    /**
     * The heaviest edge first is not the best layout: a -> c (100) taken first leaves a -> b (98) and
     * b -> c (98) no chain end to join, so greedy merging falls through once (100); ext-TSP cuts the
     * chain a c to put b between, falling through twice (196).
     */
    @Test
    void extTspPutsABlockBetweenTheHalvesOfAChain() {
        Function f = function("between", 0x1000, 4, 4, 4);
        Block a = f.blocks().get(0), c = f.blocks().get(1), b = f.blocks().get(2);
        edge(f, a, b, EdgeKind.CONDITIONAL);
        edge(f, a, c, EdgeKind.FALL_THROUGH);
        edge(f, b, c, EdgeKind.BRANCH);
        BlockProfile p = profile(Map.of(a, 198L, b, 98L, c, 198L));
        assertEquals(List.of(a, c, b), BlockChains.order(f, p));
        assertEquals(List.of(a, b, c), ExtTsp.order(f, p));
    }

    /** The score of one edge: whole for a fall-through, a tenth less with distance for short jumps, none for far ones. */
    @Test
    void extTspEdgeScores() {
        assertEquals(50.0, ExtTsp.edgeScore(50, 0x100, 0x100), 1e-9);
        assertEquals(0.1 * 50 * 0.5, ExtTsp.edgeScore(50, 0x100, 0x100 + 512), 1e-9);
        assertEquals(0.1 * 50 * 0.5, ExtTsp.edgeScore(50, 0x100 + 320, 0x100), 1e-9);
        assertEquals(0.0, ExtTsp.edgeScore(50, 0x100, 0x100 + 1025), 1e-9);
        assertEquals(0.0, ExtTsp.edgeScore(50, 0x100 + 641, 0x100), 1e-9);
    }

    /**
     * Edge estimates: a's fall-through b has no other way in, so it ran 3 times from a, and the taken
     * side c (reached from d too) the other 97, though c alone could take all of a's 100.
     */
    @Test
    void exactEdgeEstimatesAreGivenFirst() {
        Function f = function("exact", 0x1000, 4, 4, 4, 4);
        Block a = f.blocks().get(0), b = f.blocks().get(1), c = f.blocks().get(2), d = f.blocks().get(3);
        edge(f, a, c, EdgeKind.CONDITIONAL);
        edge(f, a, b, EdgeKind.FALL_THROUGH);
        edge(f, d, c, EdgeKind.BRANCH);
        Map<Block, Long> weights = leaving(f, a, profile(Map.of(a, 100L, b, 3L, c, 150L, d, 50L)));
        assertEquals(Map.of(b, 3L, c, 97L), weights);
    }

    /**
     * When block counts cannot tell a's two sides apart (both ran as often as a, both reached from
     * elsewhere too), the fall-through, the compiler's likely side, gets a's runs and stays next.
     */
    @ParameterizedTest
    @EnumSource(BlockOrder.class)
    void anUndecidedBranchKeepsItsFallThrough(BlockOrder order) {
        Function f = function("undecided", 0x1000, 4, 4, 4, 4);
        Block a = f.blocks().get(0), b = f.blocks().get(1), c = f.blocks().get(2), d = f.blocks().get(3);
        edge(f, a, c, EdgeKind.CONDITIONAL);
        edge(f, a, b, EdgeKind.FALL_THROUGH);
        edge(f, d, b, EdgeKind.BRANCH);
        edge(f, d, c, EdgeKind.CONDITIONAL);
        BlockProfile p = profile(Map.of(a, 100L, b, 100L, c, 100L, d, 10L));
        assertEquals(Map.of(b, 100L, c, 0L), leaving(f, a, p));
        assertEquals(b, order.order(f, p).get(1));
    }

    /**
     * Flow decides what neither end of an edge decides alone: a's two targets both have another way in,
     * but x's only way on fills part of b, a's edge to b is the rest (10, not the 40 b could take), and
     * a's taken side c the 90 left, which y's 5 into c confirm: c, not b, follows a.
     */
    @Test
    void flowSettlesEdgesThatNeitherEndDecides() {
        Function f = function("flow", 0x1000, 4, 4, 4, 4, 4);
        Block a = f.blocks().get(0), b = f.blocks().get(1), c = f.blocks().get(2), x = f.blocks().get(3), y = f.blocks().get(4);
        edge(f, a, c, EdgeKind.CONDITIONAL);
        edge(f, a, b, EdgeKind.FALL_THROUGH);
        edge(f, x, b, EdgeKind.BRANCH);
        edge(f, y, c, EdgeKind.BRANCH);
        BlockProfile p = profile(Map.of(a, 100L, b, 40L, c, 95L, x, 30L, y, 5L));
        assertEquals(Map.of(b, 10L, c, 90L), leaving(f, a, p));
        assertEquals(List.of(a, c), BlockChains.order(f, p).subList(0, 2));
    }

    /**
     * A loop's back edge is its head's runs less what entered it, though both of the latch's targets
     * have another way in: z's 3 runs are q's 2 and one from the latch l, so l went back to h 100 times
     * (by fall-through first, l would have given z all 3 it could take and h only 98).
     */
    @Test
    void aLoopsBackEdgeIsItsHeadLessItsEntries() {
        Function f = function("loop", 0x1000, 4, 4, 4, 4, 4);
        Block e = f.blocks().get(0), h = f.blocks().get(1), l = f.blocks().get(2), q = f.blocks().get(3), z = f.blocks().get(4);
        edge(f, e, h, EdgeKind.CONDITIONAL);
        edge(f, e, q, EdgeKind.FALL_THROUGH);
        edge(f, h, l, EdgeKind.FALL_THROUGH);
        edge(f, l, h, EdgeKind.CONDITIONAL);
        edge(f, l, z, EdgeKind.FALL_THROUGH);
        edge(f, q, z, EdgeKind.BRANCH);
        BlockProfile p = profile(Map.of(e, 3L, h, 101L, l, 101L, q, 2L, z, 3L));
        assertEquals(Map.of(h, 100L, z, 1L), leaving(f, l, p));
        assertEquals(Map.of(h, 1L, q, 2L), leaving(f, e, p));
    }

    /** Counts that do not add up (a call in b that never returned) clamp instead of going negative. */
    @Test
    void countsThatDoNotAddUpOnlyClamp() {
        Function f = function("exit", 0x1000, 4, 4, 4);
        Block a = f.blocks().get(0), b = f.blocks().get(1), c = f.blocks().get(2);
        edge(f, a, b, EdgeKind.FALL_THROUGH);
        edge(f, b, c, EdgeKind.FALL_THROUGH);
        edge(f, a, c, EdgeKind.CONDITIONAL);
        BlockProfile p = profile(Map.of(a, 10L, b, 10L, c, 3L));
        Map<Block, Long> fromA = leaving(f, a, p);
        assertEquals(Map.of(b, 10L, c, 0L), fromA);
        assertEquals(Map.of(c, 3L), leaving(f, b, p));
    }

    /** @return the estimated count of each edge leaving b, by its target */
    private static Map<Block, Long> leaving(Function f, Block b, BlockProfile p) {
        Map<Block, Long> out = new HashMap<>();
        EdgeWeights.of(f, p).forEach((e, w) -> {
            if (e.from() == b) {
                out.put(e.to(), w);
            }
        });
        return out;
    }

    /** --block-order's words, and a bad one refused. */
    @Test
    void blockOrderSpellings() {
        assertEquals(BlockOrder.EXT_TSP, BlockOrder.of("ext-tsp"));
        assertEquals(BlockOrder.GREEDY, BlockOrder.of("greedy"));
        assertThrows(IllegalArgumentException.class, () -> BlockOrder.of("tsp"));
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

    /**
     * Entries not explained by direct calls and tail calls came through pointers: a function entered
     * 1,000 times and called directly 200 times was entered mostly through pointers; one called
     * directly 900 times was not, nor one entered 50 times (too rare), nor one whose entry block is
     * also a loop head (its count mixes entries and iterations).
     */
    @Test
    void entriesThatNoCallExplainsCameThroughPointers() {
        Function caller = function("caller", 0x1000, 8, 8, 8);
        Function callback = function("callback", 0x2000, 16);
        Function helper = function("helper", 0x3000, 16);
        Function rare = function("rare", 0x4000, 16);
        Function looping = function("looping", 0x5000, 8, 8);
        call(caller, caller.blocks().get(0), callback);
        call(caller, caller.blocks().get(1), helper);
        caller.addEdge(caller.blocks().get(2), null, helper.entryAddress(), EdgeKind.TAIL_CALL);
        edge(looping, looping.blocks().get(1), looping.blocks().get(0), EdgeKind.BRANCH);
        Program program = new Program(List.of(caller, callback, helper, rare, looping), List.of(), List.of(), List.of(), 0);
        Map<Block, Long> counts = new HashMap<>();
        counts.put(caller.blocks().get(0), 200L);
        counts.put(caller.blocks().get(1), 600L);
        counts.put(caller.blocks().get(2), 300L);
        counts.put(callback.blocks().get(0), 1000L);
        counts.put(helper.blocks().get(0), 1000L);
        counts.put(rare.blocks().get(0), 50L);
        counts.put(looping.blocks().get(0), 5000L);
        PointerEntries entries = new PointerEntries(program, profile(counts));
        assertTrue(entries.mostlyThroughPointers(callback));
        assertFalse(entries.mostlyThroughPointers(helper));   // 600 calls and 300 tail calls of 1,000
        assertFalse(entries.mostlyThroughPointers(rare));
        assertFalse(entries.mostlyThroughPointers(looping));
        assertTrue(entries.mostlyThroughPointers(caller));   // entered 200 times, by no call of the program
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
