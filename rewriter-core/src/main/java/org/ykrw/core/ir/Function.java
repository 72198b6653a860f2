package org.ykrw.core.ir;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.ykrw.core.x86.Insn;

/**
 * A function of the input program: an entry address, its blocks in address order and their edges.
 * Functions are created by the CFG builder; blocks only through {@link #addBlock}.
 */
public final class Function {
    private final long entryAddress;
    private final Set<DiscoverySource> sources = EnumSet.noneOf(DiscoverySource.class);
    /** made on the first alias: most functions have none */
    private Set<String> aliases;
    private final List<Block> blocks = new ArrayList<>();
    /** the view blocks() hands out: made once, as the passes ask for it all the time */
    private final List<Block> blocksView = Collections.unmodifiableList(blocks);
    private String name;
    private int index = -1;
    private long endAddress;
    private FunctionState state = FunctionState.DISCOVERED;
    private SkipReason skipReason;
    private boolean noReturn;
    private boolean plt;
    /** made on the first entry probe */
    private List<Probe> entryProbes;

    /**
     * @param entryAddress input address of the first instruction
     * @param name symbol name, or a generated {@code fn_<hex>} name
     */
    public Function(long entryAddress, String name) {
        this.entryAddress = entryAddress;
        this.name = name;
        this.endAddress = entryAddress;
    }

    /** @return position in the program, in address order */
    public int index() {
        return index;
    }

    void setIndex(int index) {
        this.index = index;
    }

    /**
     * A {@link Program} indexes its functions' names, ranges and blocks once, when it is made: a
     * function is complete before that, and what the index holds cannot change afterwards (passes
     * change blocks' contents, never which blocks there are).
     */
    private void requireNotInProgram(String what) {
        if (index >= 0) {
            throw new IllegalStateException(name + " belongs to a program already, which indexed it: "
                    + what + " cannot be added or changed now");
        }
    }

    /** @return primary name */
    public String name() {
        return name;
    }

    /** @return other symbol names at the same address */
    public Set<String> aliases() {
        return aliases == null ? Set.of() : Collections.unmodifiableSet(aliases);
    }

    /** @param alias another name of this function */
    public void addAlias(String alias) {
        requireNotInProgram("an alias");
        if (!alias.equals(name)) {
            if (aliases == null) {
                aliases = new LinkedHashSet<>();
            }
            aliases.add(alias);
        }
    }

    /** @return input entry address */
    public long entryAddress() {
        return entryAddress;
    }

    /** @return input address just past the function's last instruction (trailing padding excluded) */
    public long endAddress() {
        return endAddress;
    }

    /** @param end exclusive end address */
    public void setEndAddress(long end) {
        requireNotInProgram("its end");
        this.endAddress = end;
    }

    /** @return blocks in address order */
    public List<Block> blocks() {
        return blocksView;
    }

    /** @return the block at the entry address */
    public Block entryBlock() {
        requireCfg();
        for (Block b : blocks) {   // a loop, not a stream: the rewriter asks this of every function
            if (b.address() == entryAddress) {
                return b;
            }
        }
        throw new java.util.NoSuchElementException("no block at the entry of " + name);
    }

    /**
     * Creates a block of this function. Blocks must be added in address order.
     *
     * @param instructions its instructions
     * @return the new block
     */
    public Block addBlock(List<Insn> instructions) {
        return add(new Block(this, instructions));
    }

    /**
     * Creates a block of this function from part of an instruction array, which the block keeps
     * (shared by the function's blocks, without a copy). Blocks must be added in address order.
     *
     * @param code instructions in address order; never written afterwards
     * @param first index of the block's first instruction in {@code code}
     * @param count number of instructions, at least one
     * @return the new block
     */
    public Block addBlock(Insn[] code, int first, int count) {
        return add(new Block(this, code, first, count));
    }

    private Block add(Block b) {
        requireNotInProgram("a block");
        if (!blocks.isEmpty() && blocks.get(blocks.size() - 1).address() >= b.address()) {
            throw new IllegalStateException("blocks must be added in address order");
        }
        b.setIndex(blocks.size());
        blocks.add(b);
        return b;
    }

    /** Adds an edge between blocks; {@code to} may belong to another function or be null. */
    public void addEdge(Block from, Block to, long targetAddress, EdgeKind kind) {
        if (from.function() != this) {
            throw new IllegalArgumentException("edge must leave a block of " + name);
        }
        from.addSuccessor(new Edge(from, to, targetAddress, kind));
        if (to != null && (kind == EdgeKind.JUMP_TABLE)) {
            to.markIndirectTarget();
        }
    }

    /** Marks a block as reachable through a pointer. */
    public void markIndirectTarget(Block b) {
        b.markIndirectTarget();
    }

    /** @return lifecycle state */
    public FunctionState state() {
        return state;
    }

    /** Marks the CFG as built. */
    public void setCfgBuilt() {
        if (state == FunctionState.DISCOVERED) {
            state = FunctionState.CFG;
        }
    }

    /** @return why the function must stay in place, or null */
    public SkipReason skipReason() {
        return skipReason;
    }

    /** @param reason why the function must stay in place (the first reason is kept) */
    public void skip(SkipReason reason) {
        if (skipReason == null) {
            skipReason = reason;
        }
        state = FunctionState.SKIPPED;
    }

    /** @return true when the function never returns to its caller */
    public boolean isNoReturn() {
        return noReturn;
    }

    /** @param value whether the function never returns */
    public void setNoReturn(boolean value) {
        noReturn = value;
    }

    /** @return true for PLT stubs */
    public boolean isPlt() {
        return plt;
    }

    /** Marks this function as a PLT stub. */
    public void setPlt() {
        plt = true;
        skip(SkipReason.PLT_STUB);
    }

    /** @return where the start of this function was learnt */
    public Set<DiscoverySource> discoveredBy() {
        return Collections.unmodifiableSet(sources);
    }

    /** @param source one more place the start was seen */
    public void addSource(DiscoverySource source) {
        sources.add(source);
    }

    /** @return number of instructions over all blocks */
    public int instructionCount() {
        int n = 0;
        for (Block b : blocks) {
            n += b.instructionCount();
        }
        return n;
    }

    /**
     * Asks for {@code probe} to run when the function is entered from outside (calls, jumps from other
     * functions, the old entry): unlike a probe at the entry block's start, it does not run when the
     * function's own loops branch back to that block.
     *
     * @param probe the code to insert
     */
    public void insertAtEntry(Probe probe) {
        if (entryProbes == null) {
            entryProbes = new ArrayList<>();
        }
        entryProbes.add(probe);
    }

    /** @return the entry probes, in order */
    public List<Probe> entryProbes() {
        return entryProbes == null ? List.of() : Collections.unmodifiableList(entryProbes);
    }

    private void requireCfg() {
        if (state == FunctionState.DISCOVERED) {
            throw new IllegalStateException(name + " has no CFG yet");
        }
    }

    @Override
    public String toString() {
        return String.format("%s@0x%x", name, entryAddress);
    }
}
