package org.ykrw.passes.instrument;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ykrw.core.testutil.HandBuilt.blockAt;
import static org.ykrw.core.testutil.HandBuilt.code;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ykrw.core.analysis.Dominators;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Edge;
import org.ykrw.core.ir.EdgeKind;
import org.ykrw.core.ir.Function;
import org.ykrw.core.testutil.HandBuilt;

/**
 * Which blocks {@link ProbePruning} leaves without a probe, on CFGs built by hand, and that what it
 * chooses is exact: on random walks through each CFG (calls returning), every pruned block's count is the
 * sum of its implying blocks' counts (for --counts), and it ran exactly when one of them ran (--coverage).
 */
class ProbePruningTest {
    /**
     * A diamond: 0x2000 cmp edi, esi; je 0x2008 | 0x2004 xor eax, eax; jmp 0x200d | 0x2008 mov eax, 1 |
     * 0x200d ret. The head is implied by both arms (it dominates them), the join by both arms (each goes
     * only to it); the arms keep their probes: two probes for four blocks, as clang places them.
     */
    private static Function diamond() {
        return function("diamond", 0x2000, code(0x39, 0xf7, 0x74, 0x04, 0x31, 0xc0, 0xeb, 0x05,
                0xb8, 0x01, 0x00, 0x00, 0x00, 0xc3), 0x200d);
    }

    /**
     * A loop with a branch in it: 0x6000 xor ecx, ecx | 0x6002 test cl, 1; je 0x6009 | 0x6007 inc eax |
     * 0x6009 inc ecx; cmp ecx, 10; jne 0x6002 | 0x6010 ret.
     */
    private static Function loop() {
        return function("loop", 0x6000, code(0x31, 0xc9, 0xf6, 0xc1, 0x01, 0x74, 0x02, 0xff, 0xc0,
                0xff, 0xc1, 0x83, 0xf9, 0x0a, 0x75, 0xf2, 0xc3), 0x6002, 0x6009);
    }

    /**
     * A call: 0x4000 test edi, edi; je 0x400b | 0x4004 call 0x4100; jmp 0x400d | 0x400b xor eax, eax |
     * 0x400d ret. The callee may not come back (exit, longjmp, a throw), so the block with the call keeps
     * its probe, and it does not stand for the return block either.
     */
    private static Function call() {
        return function("call", 0x4000, code(0x85, 0xff, 0x74, 0x07, 0xe8, 0xf7, 0x00, 0x00, 0x00, 0xeb, 0x02,
                0x31, 0xc0, 0xc3), 0x400b, 0x400d);
    }

    /** A chain: 0x3000 nop; jmp 0x3003 | 0x3003 nop; jmp 0x3006 | 0x3006 ret: one probe for three blocks. */
    private static Function chain() {
        return function("chain", 0x3000, code(0x90, 0xeb, 0x00, 0x90, 0xeb, 0x00, 0xc3), 0x3003, 0x3006);
    }

    /** A system call (exit_group may never come back): 0x5000 syscall; jmp 0x5004 | 0x5004 ret. */
    private static Function syscall() {
        return function("syscall", 0x5000, code(0x0f, 0x05, 0xeb, 0x00, 0xc3), 0x5004);
    }

    /** As lifting marks it: the entry is reached from outside the function. */
    private static Function function(String name, long entry, byte[] code, long... starts) {
        Function f = HandBuilt.function(name, entry, code, starts);
        f.markIndirectTarget(f.entryBlock());
        return f;
    }

    private static Map<Long, Set<Long>> chosen(Function f, boolean counts) {
        Map<Long, Set<Long>> out = new HashMap<>();
        ProbePruning.choose(f, counts).forEach((b, by) -> out.put(b.address(),
                by.stream().map(Block::address).collect(Collectors.toSet())));
        return out;
    }

    @ParameterizedTest(name = "counts {0}")
    @ValueSource(booleans = {false, true})
    void diamondKeepsProbesOnItsArmsOnly(boolean counts) {
        assertEquals(Map.of(0x2000L, Set.of(0x2004L, 0x2008L), 0x200dL, Set.of(0x2004L, 0x2008L)),
                chosen(diamond(), counts));
    }

    @Test
    void loopHeadIsImpliedByItsDominatedSuccessorsForCoverageOnly() {
        // the head at 0x6002 dominates both its successors, but 0x6009 is also entered from 0x6007, and
        // the head from the back edge: no count is the sum of others', so counts keep every probe
        assertEquals(Map.of(0x6000L, Set.of(0x6002L), 0x6002L, Set.of(0x6007L, 0x6009L)), chosen(loop(), false));
        assertEquals(Map.of(), chosen(loop(), true));
    }

    @ParameterizedTest(name = "counts {0}")
    @ValueSource(booleans = {false, true})
    void blocksThatCallOrMakeSystemCallsKeepTheirProbes(boolean counts) {
        assertEquals(Map.of(0x4000L, Set.of(0x400bL, 0x4004L)), chosen(call(), counts));
        assertEquals(Map.of(), chosen(syscall(), counts));
    }

    @ParameterizedTest(name = "counts {0}")
    @ValueSource(booleans = {false, true})
    void chainsKeepOneProbeAndMakeNoCycle(boolean counts) {
        Map<Long, Set<Long>> c = chosen(chain(), counts);
        assertEquals(Map.of(0x3000L, Set.of(0x3003L), 0x3003L, Set.of(0x3006L)), c);
    }

    @Test
    void blocksReachedThroughPointersAreNotImpliedByTheirPredecessors() {
        Function f = diamond();
        f.markIndirectTarget(blockAt(f, 0x200d));   // a landing pad, say: the unwinder enters it
        assertEquals(Map.of(0x2000L, Set.of(0x2004L, 0x2008L)), chosen(f, true));
        Function g = diamond();
        g.markIndirectTarget(blockAt(g, 0x2008));   // no longer entered from the head alone
        assertEquals(Map.of(0x200dL, Set.of(0x2004L, 0x2008L)), chosen(g, true));
    }

    @Test
    void functionWithAnUnknownJumpKeepsEveryProbe() {
        Function f = diamond();
        f.addEdge(blockAt(f, 0x2004), null, -1, EdgeKind.INDIRECT);
        assertEquals(Map.of(), chosen(f, false));
    }

    @Test
    void dominatorsOfTheLoop() {
        Function f = loop();
        Dominators d = Dominators.of(f);
        assertTrue(d.dominates(blockAt(f, 0x6002), blockAt(f, 0x6010)));
        assertTrue(d.dominates(blockAt(f, 0x6002), blockAt(f, 0x6009)));
        assertTrue(!d.dominates(blockAt(f, 0x6007), blockAt(f, 0x6009)));
        assertTrue(!d.dominates(blockAt(f, 0x6009), blockAt(f, 0x6002)));
    }

    /** The pruned blocks' counts, filled in from the probed ones, equal the counts of random walks. */
    @ParameterizedTest(name = "counts {0}")
    @ValueSource(booleans = {false, true})
    void impliedCountsAreExactOnRandomWalks(boolean counts) {
        Random random = new Random(14);
        for (Function f : List.of(diamond(), loop(), call(), chain(), syscall())) {
            Map<Block, List<Block>> pruned = ProbePruning.choose(f, counts);
            for (int walk = 0; walk < 200; walk++) {
                Map<Block, Long> ran = walk(f, random);
                for (Block b : pruned.keySet()) {
                    long actual = ran.getOrDefault(b, 0L);
                    long implied = implied(b, pruned, ran);
                    if (counts) {
                        assertEquals(actual, implied, f.name() + " " + b);
                    } else {
                        assertEquals(actual != 0, implied != 0, f.name() + " " + b);
                    }
                }
            }
        }
    }

    private static long implied(Block b, Map<Block, List<Block>> pruned, Map<Block, Long> ran) {
        List<Block> by = pruned.get(b);
        return by == null ? ran.getOrDefault(b, 0L) : by.stream().mapToLong(w -> implied(w, pruned, ran)).sum();
    }

    /** Executes f from its entry, taking a random edge at each block, until it returns: block -> times entered. */
    private static Map<Block, Long> walk(Function f, Random random) {
        Map<Block, Long> ran = new HashMap<>();
        Block b = f.entryBlock();
        for (int step = 0; b != null && step < 1000; step++) {
            ran.merge(b, 1L, Long::sum);
            List<Edge> inside = b.successors().stream().filter(e -> Dominators.staysInside(f, e)).toList();
            b = inside.isEmpty() ? null : inside.get(random.nextInt(inside.size())).to();
        }
        return ran;
    }
}
