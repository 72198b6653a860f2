package org.ykrw.core.blockmap;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.ToIntFunction;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;

/**
 * The block map of an instrumented binary (docs/FORMATS.md section 1): every function of the input
 * with its blocks, and for each block the slot of its counter in a run file's table (its probe).
 * Addresses are input (link-time) addresses. This is what turns the bare numbers of a
 * {@code .ykcov} or trace run back into functions and addresses.
 *
 * <p>Invariants, checked on construction: a function's index is its position, its blocks are in
 * address order, and no two blocks share a probe.
 */
public final class BlockMap {
    /** Value of the map's {@code format} member. */
    public static final String FORMAT = "ykrw-map";
    /**
     * The map version this class writes: 2 added the blocks whose probe was pruned (a fourth element
     * listing the blocks that imply them). Version 1 maps, which have no such blocks, are read too.
     */
    public static final int VERSION = 2;
    /** The oldest map version readers accept. */
    public static final int OLDEST_VERSION = 1;
    /** Name of the non-loaded section that holds the zlib-compressed map in instrumented outputs. */
    public static final String SECTION_NAME = ".ykrw.map";
    /**
     * The trace pass's own map when a coverage pass's is the output's {@link #SECTION_NAME}
     * ({@code instrument --counts --trace}): the trace numbers every block, the coverage map only the
     * blocks whose probes were not pruned.
     */
    public static final String TRACE_SECTION_NAME = ".ykrw.map.trace";
    /** Probe value of a block that has no counter. */
    public static final int NO_PROBE = -1;

    /**
     * One block of the map.
     *
     * @param functionIndex index of the owning function
     * @param index position inside the function (address order)
     * @param address input address of its first byte
     * @param size size in bytes
     * @param probe slot in the run file's counter table, or {@link #NO_PROBE}
     * @param impliedBy for a block whose probe was pruned ({@link #NO_PROBE}): the indexes, in the same
     *     function, of the blocks whose counts give its own (it ran when one of them ran; its count is
     *     their sum, see docs/FORMATS.md section 1); empty for every other block
     */
    public record MappedBlock(int functionIndex, int index, long address, int size, int probe,
            List<Integer> impliedBy) {
        /** @param impliedBy copied */
        public MappedBlock {
            impliedBy = List.copyOf(impliedBy);
        }

        /** A block with a probe of its own, or with none and no implied coverage. */
        public MappedBlock(int functionIndex, int index, long address, int size, int probe) {
            this(functionIndex, index, address, size, probe, List.of());
        }

        /** @return input address just past the block */
        public long endAddress() {
            return address + size;
        }

        /** @return true when the block has a counter */
        public boolean hasProbe() {
            return probe != NO_PROBE;
        }

        /** @return true when the block's probe was pruned and other blocks' counts give its own */
        public boolean isImplied() {
            return !impliedBy.isEmpty();
        }

        /** @return true when runs say whether the block ran: it has a probe, or its count is implied */
        public boolean isMeasured() {
            return hasProbe() || isImplied();
        }
    }

    /**
     * One function of the map.
     *
     * @param index position in the program (address order, as {@code ykrw cfg} numbers them)
     * @param name symbol name or generated {@code fn_<hex>}
     * @param address entry address
     * @param end address just past its last instruction
     * @param blocks its blocks in address order
     * @param entryCode the input's first bytes at {@code address} (at most {@link #ENTRY_CODE_BYTES}),
     *     or empty when not known: the rewriter overwrites them with a jump to the moved code, so
     *     reports that show code take them from here rather than from the instrumented file
     */
    public record MappedFunction(int index, String name, long address, long end, List<MappedBlock> blocks,
            byte[] entryCode) {
        /** How many entry bytes a map keeps: endbr64 (4) and the entry jump (5) with room to spare. */
        public static final int ENTRY_CODE_BYTES = 16;

        /** @param blocks copied; @param entryCode copied */
        public MappedFunction {
            blocks = List.copyOf(blocks);
            entryCode = entryCode.clone();
        }

        /** A function whose entry bytes are not known (a map written before they were recorded). */
        public MappedFunction(int index, String name, long address, long end, List<MappedBlock> blocks) {
            this(index, name, address, end, blocks, new byte[0]);
        }

        /** @return a copy of the recorded entry bytes */
        @Override
        public byte[] entryCode() {
            return entryCode.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof MappedFunction f && index == f.index && address == f.address && end == f.end
                    && name.equals(f.name) && blocks.equals(f.blocks) && Arrays.equals(entryCode, f.entryCode);
        }

        @Override
        public int hashCode() {
            return Objects.hash(index, name, address, end, blocks, Arrays.hashCode(entryCode));
        }

        @Override
        public String toString() {
            return "MappedFunction[" + index + ", " + name + ", " + Long.toHexString(address) + "-"
                    + Long.toHexString(end) + ", " + blocks.size() + " blocks]";
        }

        /** @return number of blocks with a probe */
        public int probedBlocks() {
            return count(MappedBlock::hasProbe);
        }

        /** @return number of blocks whose coverage runs give: probed ones and implied ones */
        public int measuredBlocks() {
            return count(MappedBlock::isMeasured);
        }

        private int count(java.util.function.Predicate<MappedBlock> which) {
            int n = 0;
            for (MappedBlock b : blocks) {
                if (which.test(b)) {
                    n++;
                }
            }
            return n;
        }
    }

    private final String input;
    private final long mapId;
    private final String pass;
    private final List<MappedFunction> functions;
    private final List<String> hooks;
    private final MappedBlock[] byProbe;
    private final TreeMap<Long, MappedBlock> byAddress = new TreeMap<>();
    private final int probedBlocks;

    /**
     * @param input file name of the instrumented input
     * @param mapId the input's map id ({@link #mapIdOf})
     * @param pass the pass that placed the probes (coverage, counts, once, trace)
     * @param functions every function, index = position
     * @param hooks hooked function names in record order (empty when none)
     * @throws IllegalArgumentException when an invariant does not hold (readers check first and
     *     report a one-line error)
     */
    public BlockMap(String input, long mapId, String pass, List<MappedFunction> functions, List<String> hooks) {
        this.input = input;
        this.mapId = mapId;
        this.pass = pass;
        this.functions = List.copyOf(functions);
        this.hooks = List.copyOf(hooks);
        int maxProbe = -1;
        int probed = 0;
        for (int i = 0; i < this.functions.size(); i++) {
            MappedFunction f = this.functions.get(i);
            if (f.index() != i) {
                throw new IllegalArgumentException("function " + f.name() + " has index " + f.index() + " at position " + i);
            }
            long previous = Long.MIN_VALUE;
            for (int j = 0; j < f.blocks().size(); j++) {
                MappedBlock b = f.blocks().get(j);
                if (b.functionIndex() != i || b.index() != j) {
                    throw new IllegalArgumentException("block " + j + " of " + f.name() + " is numbered " + b.index());
                }
                if (b.address() <= previous) {
                    throw new IllegalArgumentException("blocks of " + f.name() + " are not in address order");
                }
                if (b.probe() < NO_PROBE) {
                    throw new IllegalArgumentException("block " + j + " of " + f.name() + " has probe " + b.probe());
                }
                for (int w : b.impliedBy()) {
                    if (b.hasProbe() || w < 0 || w >= f.blocks().size() || w == j) {
                        throw new IllegalArgumentException("block " + j + " of " + f.name() + " is implied by "
                                + b.impliedBy() + (b.hasProbe() ? " but has a probe" : ", not other blocks of it"));
                    }
                }
                previous = b.address();
                maxProbe = Math.max(maxProbe, b.probe());
                if (b.hasProbe()) {
                    probed++;
                }
                byAddress.putIfAbsent(b.address(), b);
            }
            checkImpliedAcyclic(f);
        }
        this.probedBlocks = probed;
        // A block has one probe at most, so probe numbers stay below the number of blocks (ykrw numbers
        // them densely from 0). A larger one would size the table below: a map from elsewhere claiming
        // probe 2^31-2 would need 16 GiB.
        if (maxProbe >= blockCount(this.functions)) {
            throw new IllegalArgumentException("probe " + maxProbe + " is beyond the map's " + blockCount(this.functions)
                    + " blocks");
        }
        this.byProbe = new MappedBlock[maxProbe + 1];
        for (MappedFunction f : this.functions) {
            for (MappedBlock b : f.blocks()) {
                if (b.hasProbe()) {
                    if (byProbe[b.probe()] != null) {
                        throw new IllegalArgumentException("probe " + b.probe() + " is given to two blocks");
                    }
                    byProbe[b.probe()] = b;
                }
            }
        }
    }

    /**
     * Implied counts are resolved through other implied blocks, so a cycle among them would leave a
     * block with no probe to read at the end: refused, as every other broken invariant is.
     */
    private static void checkImpliedAcyclic(MappedFunction f) {
        int n = f.blocks().size();
        byte[] state = new byte[n]; // 0 = not seen, 1 = on the path being followed, 2 = resolves to probes
        for (int start = 0; start < n; start++) {
            if (state[start] != 0 || !f.blocks().get(start).isImplied()) {
                continue;
            }
            // iterative depth-first walk: an implied chain can be as long as a function (no recursion)
            java.util.ArrayDeque<int[]> stack = new java.util.ArrayDeque<>();
            stack.push(new int[] {start, 0});
            state[start] = 1;
            while (!stack.isEmpty()) {
                int[] top = stack.peek();
                List<Integer> next = f.blocks().get(top[0]).impliedBy();
                if (top[1] == next.size()) {
                    state[top[0]] = 2;
                    stack.pop();
                    continue;
                }
                int w = next.get(top[1]++);
                if (state[w] == 1) {
                    throw new IllegalArgumentException("blocks of " + f.name() + " imply each other in a cycle"
                            + " through block " + w);
                }
                if (state[w] == 0 && f.blocks().get(w).isImplied()) {
                    state[w] = 1;
                    stack.push(new int[] {w, 0});
                }
            }
        }
    }

    private static long blockCount(List<MappedFunction> functions) {
        long n = 0;
        for (MappedFunction f : functions) {
            n += f.blocks().size();
        }
        return n;
    }

    /**
     * Builds the map of a lifted program, for the instrumenting passes to embed and write.
     *
     * @param program the lifted input
     * @param input file name of the input
     * @param mapId {@link #mapIdOf} of the input's bytes
     * @param pass name of the pass placing the probes
     * @param probeOf a block's counter slot, or {@link #NO_PROBE}
     * @param hooks hooked function names in record order
     * @return the map
     */
    public static BlockMap fromProgram(Program program, String input, long mapId, String pass,
            ToIntFunction<Block> probeOf, List<String> hooks) {
        return fromProgram(program, input, mapId, pass, probeOf, b -> List.of(), hooks);
    }

    /**
     * Builds the map of a lifted program whose probes were pruned.
     *
     * @param program the lifted input
     * @param input file name of the input
     * @param mapId {@link #mapIdOf} of the input's bytes
     * @param pass name of the pass placing the probes
     * @param probeOf a block's counter slot, or {@link #NO_PROBE}
     * @param impliedBy for a block without a probe, the blocks of its function whose counts give its own
     *     (empty when none do)
     * @param hooks hooked function names in record order
     * @return the map
     */
    public static BlockMap fromProgram(Program program, String input, long mapId, String pass,
            ToIntFunction<Block> probeOf, java.util.function.Function<Block, List<Block>> impliedBy,
            List<String> hooks) {
        List<MappedFunction> fns = new ArrayList<>();
        for (Function f : program.functions()) {
            List<MappedBlock> blocks = new ArrayList<>();
            for (Block b : f.blocks()) {
                List<Integer> implied = impliedBy.apply(b).stream().map(Block::index).toList();
                blocks.add(new MappedBlock(f.index(), b.index(), b.address(), b.size(), probeOf.applyAsInt(b),
                        implied));
            }
            fns.add(new MappedFunction(f.index(), f.name(), f.entryAddress(), f.endAddress(), blocks, entryCode(f)));
        }
        return new BlockMap(input, mapId, pass, fns, hooks);
    }

    /** @return the first bytes of f's entry block as the input has them (whole instructions, then cut) */
    private static byte[] entryCode(Function f) {
        Block entry = f.blocks().isEmpty() ? null : f.entryBlock();
        if (entry == null || entry.address() != f.entryAddress()) {
            return new byte[0];
        }
        ByteArrayOutputStream code = new ByteArrayOutputStream(MappedFunction.ENTRY_CODE_BYTES + 15);
        for (var insn : entry.instructions()) {
            if (code.size() >= MappedFunction.ENTRY_CODE_BYTES) {
                break;
            }
            code.writeBytes(insn.bytes());
        }
        return Arrays.copyOf(code.toByteArray(), Math.min(code.size(), MappedFunction.ENTRY_CODE_BYTES));
    }

    /**
     * @param inputFile the bytes of the input file
     * @return its map id: the first 8 bytes of its SHA-256 as a little-endian u64
     */
    public static long mapIdOf(byte[] inputFile) {
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(inputFile);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
        long id = 0;
        for (int i = 7; i >= 0; i--) {
            id = id << 8 | (digest[i] & 0xFF);
        }
        return id;
    }

    /** @return a map id as the 16 hex digits the JSON form uses */
    public static String mapIdHex(long mapId) {
        return String.format("%016x", mapId);
    }

    /** @return file name of the input the map describes */
    public String input() {
        return input;
    }

    /** @return the input's map id */
    public long mapId() {
        return mapId;
    }

    /** @return the pass that placed the probes */
    public String pass() {
        return pass;
    }

    /** @return functions, index = position */
    public List<MappedFunction> functions() {
        return functions;
    }

    /** @return hooked functions in record order */
    public List<String> hooks() {
        return hooks;
    }

    /** @return the smallest counter table that holds every probe (highest probe + 1) */
    public int probeSlots() {
        return byProbe.length;
    }

    /** @return how many blocks have a probe */
    public int probedBlocks() {
        return probedBlocks;
    }

    /** @return how many blocks runs say something about: probed ones and those whose probe was pruned */
    public int measuredBlocks() {
        int n = 0;
        for (MappedFunction f : functions) {
            n += f.measuredBlocks();
        }
        return n;
    }

    /** @return the block owning {@code probe}, or null when no block has it */
    public MappedBlock blockOfProbe(int probe) {
        return probe >= 0 && probe < byProbe.length ? byProbe[probe] : null;
    }

    /** @return the block whose bytes hold {@code address}, or null */
    public MappedBlock blockContaining(long address) {
        Map.Entry<Long, MappedBlock> e = byAddress.floorEntry(address);
        return e != null && address < e.getValue().endAddress() ? e.getValue() : null;
    }

    /** @return the function a block belongs to */
    public MappedFunction functionOf(MappedBlock block) {
        return functions.get(block.functionIndex());
    }

    /** @return every block, in function then block order */
    public List<MappedBlock> blocks() {
        List<MappedBlock> out = new ArrayList<>();
        for (MappedFunction f : functions) {
            out.addAll(f.blocks());
        }
        return Collections.unmodifiableList(out);
    }
}
