package org.ykrw.core.ir;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A lifted program: its functions in address order, their jump tables, the indirect jumps that stay
 * unresolved and the executable bytes no block covers. Passes work on this model only.
 */
public final class Program {
    private final List<Function> functions;
    private final Map<Long, Function> byEntry = new HashMap<>();
    private final Map<String, Function> byName = new HashMap<>();
    /**
     * Every block start in order, and the block there (the first function's, in address order of
     * functions, where two share it): sorted arrays searched by bisection rather than a tree map,
     * which cost a node and a boxed key per block of large programs.
     */
    private final long[] blockStarts;
    private final Block[] blocksByStart;
    private final TreeMap<Long, Function> byRange = new TreeMap<>();
    private final List<JumpTable> jumpTables;
    private final List<UnresolvedJump> unresolvedJumps;
    private final List<AddressRange> unreachedRanges;
    private final long liftMillis;

    /**
     * @param functions all functions (sorted here by entry address; indices are assigned)
     * @param jumpTables resolved tables
     * @param unresolvedJumps indirect jumps left unresolved
     * @param unreachedRanges executable bytes covered by no block
     * @param liftMillis time the lifting took
     */
    public Program(List<Function> functions, List<JumpTable> jumpTables, List<UnresolvedJump> unresolvedJumps,
            List<AddressRange> unreachedRanges, long liftMillis) {
        List<Function> sorted = new ArrayList<>(functions);
        int blockCount = 0;
        sorted.sort((a, b) -> Long.compareUnsigned(a.entryAddress(), b.entryAddress()));
        this.functions = Collections.unmodifiableList(sorted);
        for (int i = 0; i < sorted.size(); i++) {
            Function f = sorted.get(i);
            f.setIndex(i);
            byEntry.put(f.entryAddress(), f);
            byName.putIfAbsent(f.name(), f);
            for (String alias : f.aliases()) {
                byName.putIfAbsent(alias, f);
            }
            byRange.put(f.entryAddress(), f);
            blockCount += f.blocks().size();
        }
        Block[] all = new Block[blockCount];
        int k = 0;
        boolean sortedAlready = true;
        for (Function f : sorted) {
            for (Block b : f.blocks()) {
                sortedAlready &= k == 0 || all[k - 1].address() <= b.address();
                all[k++] = b;
            }
        }
        if (!sortedAlready) {
            // Stable (and linear on the nearly sorted input): of blocks sharing a start, the first stays first.
            Arrays.sort(all, (a, b) -> Long.compare(a.address(), b.address()));
        }
        long[] starts = new long[all.length];
        int n = 0;
        for (Block b : all) {
            if (n == 0 || starts[n - 1] != b.address()) {
                starts[n] = b.address();
                all[n++] = b;
            }
        }
        // Blocks rarely share a start: the arrays are then kept as they are, not copied.
        this.blockStarts = n == starts.length ? starts : Arrays.copyOf(starts, n);
        this.blocksByStart = n == all.length ? all : Arrays.copyOf(all, n);
        this.jumpTables = List.copyOf(jumpTables);
        this.unresolvedJumps = List.copyOf(unresolvedJumps);
        this.unreachedRanges = List.copyOf(unreachedRanges);
        this.liftMillis = liftMillis;
    }

    /** @return functions in address order; {@link Function#index()} is the position here */
    public List<Function> functions() {
        return functions;
    }

    /** @return the function entered at {@code entry}, or null */
    public Function functionAt(long entry) {
        return byEntry.get(entry);
    }

    /** @return the function whose [entry, end) holds {@code address}, or null */
    public Function functionContaining(long address) {
        Map.Entry<Long, Function> e = byRange.floorEntry(address);
        if (e != null && address < e.getValue().endAddress()) {
            return e.getValue();
        }
        return null;
    }

    /** @return the function with this name or alias */
    public Optional<Function> functionByName(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** @return the block starting at {@code address}, or null */
    public Block blockAt(long address) {
        int i = Arrays.binarySearch(blockStarts, address);
        return i >= 0 ? blocksByStart[i] : null;
    }

    /** @return the lowest block start above {@code address}, or {@link Long#MAX_VALUE} when none */
    public long nextBlockStart(long address) {
        int i = Arrays.binarySearch(blockStarts, address);
        int next = i >= 0 ? i + 1 : -i - 1;
        return next < blockStarts.length ? blockStarts[next] : Long.MAX_VALUE;
    }

    /** @return the lowest function entry above {@code address}, or {@link Long#MAX_VALUE} when none */
    public long nextFunctionEntry(long address) {
        Long next = byRange.higherKey(address);
        return next != null ? next : Long.MAX_VALUE;
    }

    /** @return the block whose range holds {@code address}, or null */
    public Block blockContaining(long address) {
        int i = Arrays.binarySearch(blockStarts, address);
        int floor = i >= 0 ? i : -i - 2;
        return floor >= 0 && address < blocksByStart[floor].endAddress() ? blocksByStart[floor] : null;
    }

    /** @return resolved jump tables */
    public List<JumpTable> jumpTables() {
        return jumpTables;
    }

    /** @return indirect jumps left unresolved */
    public List<UnresolvedJump> unresolvedJumps() {
        return unresolvedJumps;
    }

    /** @return executable bytes no block covers */
    public List<AddressRange> unreachedRanges() {
        return unreachedRanges;
    }

    /** @return summary figures */
    public ProgramStats stats() {
        int fns = 0;
        int plt = 0;
        int skipped = 0;
        long blocks = 0;
        long insns = 0;
        long bytes = 0;
        for (Function f : functions) {
            if (f.isPlt()) {
                plt++;
                continue;
            }
            fns++;
            if (f.skipReason() != null) {
                skipped++;
            }
            for (Block b : f.blocks()) {
                blocks++;
                insns += b.instructionCount();
                bytes += b.size();
            }
        }
        int tableMisses = (int) unresolvedJumps.stream().filter(UnresolvedJump::mayBeTable).count();
        long unreached = unreachedRanges.stream().mapToLong(AddressRange::size).sum();
        return new ProgramStats(fns, plt, skipped, blocks, insns, bytes, jumpTables.size(), tableMisses,
                unresolvedJumps.size(), unreached, liftMillis);
    }
}
