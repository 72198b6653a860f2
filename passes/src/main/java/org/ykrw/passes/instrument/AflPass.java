package org.ykrw.passes.instrument;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ykrw.core.analysis.Liveness;
import org.ykrw.core.diag.UnsupportedInputException;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Probe;
import org.ykrw.core.ir.Program;
import org.ykrw.core.pass.FunctionRef;
import org.ykrw.core.pass.Pass;
import org.ykrw.core.pass.PassInput;
import org.ykrw.core.pass.PassRequests;
import org.ykrw.core.ir.ProbeContext;
import org.ykrw.core.x86.MemOperand;
import org.ykrw.core.x86.Reg;
import org.ykrw.core.x86.encode.Mem;
import org.ykrw.passes.runtime.RuntimeConfig;

/**
 * AFL++ edge coverage, as its own instrumentation keeps it: every block has an id, and entering it
 * adds one to {@code map[id ^ prev]} (a never-zero counter: 255 + 1 wraps to 1) and sets
 * {@code prev = id >> 1}. The embedded runtime finds the map through {@code __AFL_SHM_ID} (a private
 * one when the program runs alone) and speaks AFL++'s fork-server protocol (docs/FUZZING.md).
 *
 * <p>Ids are a hash of the block's address in the input and of the input's map id, so two rewrites of
 * one input give the same ids, and a program and its libraries (different map ids) rarely collide.
 */
public final class AflPass implements Pass {
    /** The map AFL++ uses by default; the least size chosen. */
    public static final int DEFAULT_MAP_SIZE = 1 << 16;
    /** The largest map AFL++'s fork-server hello can announce. */
    public static final int MAX_MAP_SIZE = 1 << 23;
    /**
     * Map bytes per block the automatic size aims at: few collisions of {@code id ^ prev}, and a map
     * small enough that afl-fuzz's per-run work on it (clearing, classifying, comparing every byte)
     * stays small beside the run (at 8 bytes a block lua's compiler got a 128 KiB map and ran at
     * 0.73-0.88x afl-clang-fast's rate, whose map is 8 KiB).
     */
    private static final int BYTES_PER_BLOCK = 4;

    /** Marks a persistent-mode target for afl-fuzz, which looks for it in the file. */
    static final String PERSISTENT_SIGNATURE = "##SIG_AFL_PERSISTENT##";

    /** How the fork server starts; the values mirror {@code ykrw_afl_mode} in ykrw_rt.c. */
    public enum Start {
        /** At the program's entry point, before anything else of it runs. */
        AT_ENTRY(1),
        /** At the first call of a chosen function (program set-up runs once, not per test case). */
        DEFERRED(2),
        /** At a function {@code f(const uint8_t *buf, size_t len)} that runs once per test case, in a loop. */
        PERSISTENT(3);

        private final int mode;

        Start(int mode) {
            this.mode = mode;
        }
    }

    private final BlockFilter filter;
    private final int requestedMapSize;
    private final Start start;
    private final String startFunction;
    private final Map<Block, Integer> idOf = new HashMap<>();

    /**
     * @param filter which functions to instrument
     * @param mapSize bytes of the edge map, a power of two (0: from the number of blocks)
     * @param start where the fork server starts
     * @param startFunction with DEFERRED or PERSISTENT: the function, a name or 0xADDRESS
     */
    public AflPass(BlockFilter filter, int mapSize, Start start, String startFunction) {
        if (mapSize != 0 && (Integer.bitCount(mapSize) != 1 || mapSize < 256 || mapSize > MAX_MAP_SIZE)) {
            throw new IllegalArgumentException("the AFL map size must be a power of two from 256 to " + MAX_MAP_SIZE);
        }
        if ((start == Start.AT_ENTRY) != (startFunction == null)) {
            throw new IllegalArgumentException("a deferred or persistent start needs a function, and only they do");
        }
        this.filter = filter;
        this.requestedMapSize = mapSize;
        this.start = start;
        this.startFunction = startFunction;
    }

    @Override
    public String name() {
        return "afl";
    }

    @Override
    public void run(PassInput context, PassRequests requests) {
        Program program = context.program();
        Function starter = start == Start.AT_ENTRY ? null : startFunction(context);
        int blocks = 0;
        for (Function f : program.functions()) {
            if (filter.accepts(context, f)) {
                blocks += f.blocks().size();
            }
        }
        int mapSize = requestedMapSize != 0 ? requestedMapSize : mapSizeFor(blocks);
        // INTERPROCEDURAL: a register a caller keeps across a call of a function gcc saw does not write
        // it (-fipa-ra) is live in that function's blocks too, though SysV calls it dead there
        Liveness liveness = Liveness.of(program, Liveness.Convention.INTERPROCEDURAL);
        long prevOffset = threadLocalPrev(context, requests);
        int flagSaves = 0;
        int registerSaves = 0;
        // the map's probe numbers are the blocks in order (tools read them as slots); ids are AFL's own
        Map<Block, Integer> slots = new HashMap<>();
        for (Function f : program.functions()) {
            if (!filter.accepts(context, f)) {
                continue;
            }
            for (Block b : f.blocks()) {
                int id = blockId(context.mapId(), b.address(), mapSize);
                long live = liveness.liveIn(b);
                boolean flagsLive = liveness.isFlagsLiveIn(b);
                int[] scratch = scratch(live);
                flagSaves += flagsLive ? 1 : 0;
                registerSaves += scratch[2];
                b.insertBefore(0, edgeProbe(id, flagsLive, scratch, prevOffset));
                idOf.put(b, id);
                slots.put(b, slots.size());
            }
        }
        if (starter != null) {
            String stub = start == Start.DEFERRED ? "ykrw_afl_deferred_stub" : "ykrw_afl_persistent_stub";
            // First thing in the function, before its entry block's edge probe: the persistent loop
            // calls what follows this call, so each test case counts the function's entry too.
            starter.insertAtEntry((w, c) -> w.call(c.symbol(stub)));
        }
        if (start == Start.PERSISTENT) {
            requests.addUnloadedSection(".ykrw.afl", (PERSISTENT_SIGNATURE + "\0").getBytes(StandardCharsets.US_ASCII));
        }
        RuntimeConfig.of(context, requests).afl(start.mode, mapSize, prevOffset);
        BlockMapSection.add(context, requests, name(), slots, List.of(), false);
        requests.note(String.format("afl: %,d blocks, map of %,d bytes, flags saved at %,d, registers at %,d, %s prev;"
                + " fork server %s", blocks, mapSize, flagSaves, registerSaves, prevOffset != 0 ? "a thread-local" : "one",
                switch (start) {
                    case AT_ENTRY -> "at the entry point";
                    case DEFERRED -> "at the first call of " + starter.name();
                    case PERSISTENT -> "persistent in " + starter.name();
                }));
    }

    /**
     * Where the probes keep the previous block's id: per thread, as AFL++'s own instrumentation does
     * (else a block of one thread and the next block of another count as an edge), in bytes of the
     * runtime's thread-local area; shared by all threads where there is none (a shared library, or an
     * executable whose thread-local template cannot take them), with a note saying why.
     *
     * @return the %fs offset of 8 reserved bytes (the probes use the first 4), or 0 for the shared one
     */
    private static long threadLocalPrev(PassInput context, PassRequests requests) {
        if (context.linking() == PassInput.Linking.SHARED_LIBRARY) {
            return 0;
        }
        String refusal = requests.threadLocals().refusal();
        if (refusal != null) {
            requests.note("afl: one prev for all threads: " + refusal);
            return 0;
        }
        return requests.reserveThreadLocal(8, 8);
    }

    /** @return block -> its id in the map, after the pass ran */
    public Map<Block, Integer> blockIds() {
        return idOf;
    }

    /** @return the smallest power of two with {@link #BYTES_PER_BLOCK} bytes per block, within AFL's limits */
    static int mapSizeFor(int blocks) {
        long want = Math.max(DEFAULT_MAP_SIZE, (long) blocks * BYTES_PER_BLOCK);
        long size = Long.highestOneBit(want);
        if (size < want) {
            size <<= 1;
        }
        return (int) Math.min(size, MAX_MAP_SIZE);
    }

    /**
     * A block's id: a 64-bit mix (the finaliser of SplitMix64, whose constants are public) of its
     * address and the input's map id, cut to the map. Stable for one input, spread for others.
     */
    static int blockId(long mapId, long address, int mapSize) {
        long z = address ^ mapId;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        z ^= z >>> 31;
        return (int) (z & (mapSize - 1));
    }

    /** Caller-saved registers a probe may use when they are dead, in order of preference. */
    private static final int[] SCRATCH = {Reg.RAX, Reg.RCX, Reg.RDX, Reg.RSI, Reg.RDI, Reg.R8, Reg.R9, Reg.R10, Reg.R11};

    /**
     * @param live the registers live at the block's start
     * @return the probe's two registers (dead ones where there are, else rax and rcx) and how many of
     *     them it must save
     */
    private static int[] scratch(long live) {
        int[] out = {Reg.NONE, Reg.NONE, 0};
        int found = 0;
        for (int r : SCRATCH) {
            if (found < 2 && (live & Reg.bit(r)) == 0) {
                out[found++] = r;
            }
        }
        for (int r : new int[] {Reg.RAX, Reg.RCX}) {
            if (found < 2 && r != out[0]) {
                out[found++] = r;
                out[2]++;
            }
        }
        return out;
    }

    /**
     * {@code map[prev ^ id] += 1 (never zero); prev = id >> 1}, in two registers: dead ones where
     * liveness finds them (most blocks), else saved below the red zone with the flags, where those
     * may be live.
     *
     * @param scratch the two registers and how many of them (the last ones) are live and saved
     */
    private static Probe edgeProbe(int id, boolean flagsLive, int[] scratch, long prevOffset) {
        int area = scratch[0];
        int index = scratch[1];
        int saved = scratch[2];
        boolean stack = flagsLive || saved > 0;
        return (w, c) -> {
            if (stack) {
                w.leaRsp(-Probes.RED_ZONE);
            }
            if (flagsLive) {
                w.pushfq();
            }
            if (saved == 2) {
                w.push(area);
            }
            if (saved >= 1) {
                w.push(index);
            }
            Mem prev = prevOffset != 0 ? Mem.absolute(prevOffset).withSegment(MemOperand.SEG_FS)
                    : Mem.rip(c.symbol("ykrw_afl_prev"));
            w.movRegMem(area, Mem.rip(c.symbol("ykrw_afl_area")));
            w.movReg32Mem(index, prev);
            w.xorReg32Imm(index, id);
            Mem counter = Mem.sib(area, index, 1, 0);
            w.addMemImm(counter, 1, 1);
            w.adcMemImm8(counter, 0);
            w.movMemImm32(prev, id >>> 1);
            if (saved >= 1) {
                w.pop(index);
            }
            if (saved == 2) {
                w.pop(area);
            }
            if (flagsLive) {
                w.popfq();
            }
            if (stack) {
                w.leaRsp(Probes.RED_ZONE);
            }
        };
    }

    private Function startFunction(PassInput context) {
        Function f;
        try {
            f = FunctionRef.parse(startFunction).in(context.program());
        } catch (UnsupportedInputException e) {
            throw new UnsupportedInputException("--afl-" + optionName() + ": " + e.getMessage());
        }
        if (f == null) {
            throw new UnsupportedInputException("--afl-" + optionName() + ": " + context.inputName()
                    + " has no function " + startFunction + " (ykrw functions lists them)");
        }
        if (!context.isRelocated(f)) {
            throw new UnsupportedInputException("--afl-" + optionName() + ": " + f.name()
                    + " stays in place (see instrument --report) and cannot start the fork server");
        }
        return f;
    }

    private String optionName() {
        return start == Start.DEFERRED ? "entry" : "persistent";
    }
}
