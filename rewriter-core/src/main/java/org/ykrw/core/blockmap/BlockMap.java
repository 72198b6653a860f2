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
    /** The map version this class reads and writes. */
    public static final int VERSION = 1;
    /** Name of the non-loaded section that holds the zlib-compressed map in instrumented outputs. */
    public static final String SECTION_NAME = ".ykrw.map";
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
     */
    public record MappedBlock(int functionIndex, int index, long address, int size, int probe) {
        /** @return input address just past the block */
        public long endAddress() {
            return address + size;
        }

        /** @return true when the block has a counter */
        public boolean hasProbe() {
            return probe != NO_PROBE;
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
            int n = 0;
            for (MappedBlock b : blocks) {
                if (b.hasProbe()) {
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
                previous = b.address();
                maxProbe = Math.max(maxProbe, b.probe());
                if (b.hasProbe()) {
                    probed++;
                }
                byAddress.putIfAbsent(b.address(), b);
            }
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
        List<MappedFunction> fns = new ArrayList<>();
        for (Function f : program.functions()) {
            List<MappedBlock> blocks = new ArrayList<>();
            for (Block b : f.blocks()) {
                blocks.add(new MappedBlock(f.index(), b.index(), b.address(), b.size(), probeOf.applyAsInt(b)));
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
