package org.ykrw.core.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Edge;
import org.ykrw.core.ir.EdgeKind;
import org.ykrw.core.ir.Function;
import org.ykrw.core.testutil.HandBuilt;
import org.ykrw.core.x86.FlowKind;
import org.ykrw.core.x86.Insn;

/**
 * Liveness on random CFGs (random blocks of register moves, adds, compares, conditional moves, zero
 * idioms, vector ops and calls, joined by conditional and unconditional jumps, fall-throughs and
 * returns, loops included) against a naive fixpoint written here from the class comment's rules:
 * every block re-evaluated until nothing changes, the smallest solution of the same equations. The
 * worklist must reach exactly it: a smaller set would drop a register some path reads (a probe would
 * clobber it), a larger one only costs saves, but both mean the solver is not the fixpoint.
 */
class LivenessFixpointPropertyTest {
    private static final long ENTRY = 0x401000;

    /** Instructions of fixed encoding; registers rax..rdi without rsp, xmm0-7. */
    private static byte[] randomInstruction(Random r) {
        int a = pick(r);
        int b = pick(r);
        return switch (r.nextInt(8)) {
            case 0 -> HandBuilt.code(0x48, 0x89, 0xC0 | b << 3 | a);            // mov a, b
            case 1 -> HandBuilt.code(0x48, 0x01, 0xC0 | b << 3 | a);            // add a, b
            case 2 -> HandBuilt.code(0x48, 0x39, 0xC0 | b << 3 | a);            // cmp a, b
            case 3 -> HandBuilt.code(0x48, 0x0F, 0x44, 0xC0 | a << 3 | b);      // cmove a, b
            case 4 -> HandBuilt.code(0x31, 0xC0 | a << 3 | a);                  // xor a32, a32
            case 5 -> HandBuilt.code(0x66, 0x0F, 0xEF, 0xC0 | r.nextInt(8) << 3 | r.nextInt(8)); // pxor
            case 6 -> HandBuilt.code(0xB8 | a, 1, 0, 0, 0);                     // mov a32, 1
            default -> null;                                                    // call (to the entry)
        };
    }

    private static int pick(Random r) {
        int reg = r.nextInt(7);
        return reg >= 4 ? reg + 1 : reg;
    }

    /** A random function of {@code n} blocks: each a few instructions and a terminator. */
    private static Function randomFunction(int n, long seed) {
        Random r = new Random(seed);
        List<List<byte[]>> bodies = new ArrayList<>();
        int[] kinds = new int[n];      // 0 fall through, 1 jcc, 2 jmp, 3 ret
        int[] targets = new int[n];
        for (int k = 0; k < n; k++) {
            List<byte[]> body = new ArrayList<>();
            for (int j = r.nextInt(4); j > 0; j--) {
                body.add(randomInstruction(r));
            }
            bodies.add(body);
            kinds[k] = k == n - 1 ? 2 + r.nextInt(2) : r.nextInt(4);
            targets[k] = r.nextInt(n);
        }
        long[] starts = new long[n + 1];
        starts[0] = ENTRY;
        for (int k = 0; k < n; k++) {
            int size = 0;
            for (byte[] i : bodies.get(k)) {
                size += i == null ? 5 : i.length;
            }
            size += switch (kinds[k]) { case 1 -> 6; case 2 -> 5; case 3 -> 1; default -> 0; };
            if (size == 0) {   // an empty fall-through block: give it an instruction
                bodies.get(k).add(HandBuilt.code(0x48, 0x89, 0xC0));
                size = 3;
            }
            starts[k + 1] = starts[k] + size;
        }
        ByteArrayOutputStream code = new ByteArrayOutputStream();
        for (int k = 0; k < n; k++) {
            for (byte[] i : bodies.get(k)) {
                if (i == null) {
                    long next = ENTRY + code.size() + 5;
                    code.writeBytes(rel32(0xE8, ENTRY - next));
                } else {
                    code.writeBytes(i);
                }
            }
            long target = starts[targets[k]];
            switch (kinds[k]) {
                case 1 -> code.writeBytes(HandBuilt.concat(HandBuilt.code(0x0F), rel32(0x84, target - (starts[k + 1]))));
                case 2 -> code.writeBytes(rel32(0xE9, target - starts[k + 1]));
                case 3 -> code.write(0xC3);
                default -> { }
            }
        }
        long[] cuts = new long[n - 1];
        System.arraycopy(starts, 1, cuts, 0, n - 1);
        return HandBuilt.function("f", ENTRY, code.toByteArray(), cuts);
    }

    private static byte[] rel32(int opcode, long displacement) {
        int d = (int) displacement;
        return HandBuilt.code(opcode, d & 0xFF, d >>> 8 & 0xFF, d >>> 16 & 0xFF, d >>> 24 & 0xFF);
    }

    /** Round-robin over all blocks until no live-in set changes, from the rules in Liveness' comment. */
    private static long[] naive(Function f) {
        List<Block> blocks = f.blocks();
        long[] in = new long[blocks.size()];
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Block b : blocks) {
                long live = 0;
                for (Edge e : b.successors()) {
                    live |= e.kind() == EdgeKind.RETURN ? Liveness.RETURN_LIVE : e.to() == null ? Liveness.ALL : in[e.to().index()];
                }
                List<Insn> insns = b.instructions();
                for (int k = insns.size() - 1; k >= 0; k--) {
                    Insn i = insns.get(k);
                    boolean call = i.flow() == FlowKind.CALL;
                    long kill = call ? Liveness.CALL_KILLS : InsnEffects.kills(i);
                    long use = InsnEffects.uses(i) | (call ? Liveness.CALL_USES : 0);
                    live = (live & ~kill) | use;
                }
                if (live != in[b.index()]) {
                    in[b.index()] = live;
                    changed = true;
                }
            }
        }
        return in;
    }

    @Property(tries = 300)
    void worklistReachesTheNaiveFixpoint(@ForAll @IntRange(min = 1, max = 14) int blocks, @ForAll long seed) {
        Function f = randomFunction(blocks, seed);
        Liveness live = Liveness.of(f);
        long[] expected = naive(f);
        for (Block b : f.blocks()) {
            assertEquals(Liveness.format(expected[b.index()]), Liveness.format(live.liveIn(b)), f.blocks().toString());
            assertEquals(live.liveIn(b), live.liveBefore(b, 0), "liveBefore(0) is liveIn");
        }
    }
}
