package org.ykrw.core.ir;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;
import java.util.TreeMap;
import org.ykrw.core.x86.Insn;

/**
 * A basic block: straight-line instructions entered only at the top. Calls do not end a block (as in
 * compiler IR); a call to a function that never returns does, with no fall-through edge.
 *
 * <p>Blocks are created and connected only by their {@link Function} (and the CFG builder in the
 * same module); passes read them and attach instrumentation through {@link #insertBefore(int, Probe)}.
 */
public final class Block {
    private final Function function;
    /**
     * The block's instructions are {@code code[first .. first + count)}: all blocks of a lifted function
     * share one array of its instructions in address order, where a list per block cost an array copy
     * and a list object for each of the program's blocks.
     */
    private final Insn[] code;
    private final int first;
    private final int count;
    /** Copied out of the first and last instruction: asked for all the time, by sorts and lookups. */
    private final long address;
    private final long endAddress;
    /** the view instructions() hands out, made on the first call (stats never asks) */
    private List<Insn> instructions;
    /*
     * Edges each way: most blocks have one or two, kept in fields; the rest go to an array. Two lists
     * per block (each with its own array) were about a sixth of what building the IR allocated.
     */
    private Edge out0;
    private Edge out1;
    private Edge[] outMore;
    private int outCount;
    private Edge in0;
    private Edge in1;
    private Edge[] inMore;
    private int inCount;
    private Map<Integer, List<Probe>> probes;
    private int index = -1;
    private boolean indirectTarget;
    /** Instructions a pass deleted (not emitted when the block moves), or null when none. */
    private java.util.BitSet removed;

    Block(Function function, List<Insn> instructions) {
        this(function, instructions.toArray(new Insn[0]), 0, instructions.size());
    }

    /** A block of {@code code[first .. first + count)}; the array is shared, never written. */
    Block(Function function, Insn[] code, int first, int count) {
        if (count <= 0) {
            throw new IllegalArgumentException("a block holds at least one instruction");
        }
        java.util.Objects.checkFromIndexSize(first, count, code.length);
        this.function = function;
        this.code = code;
        this.first = first;
        this.count = count;
        this.address = code[first].address();
        this.endAddress = code[first + count - 1].end();
    }

    /** @return position inside the function, in address order */
    public int index() {
        return index;
    }

    void setIndex(int index) {
        this.index = index;
    }

    /** @return the owning function */
    public Function function() {
        return function;
    }

    /** @return input address of the first instruction */
    public long address() {
        return address;
    }

    /** @return input address just past the last instruction */
    public long endAddress() {
        return endAddress;
    }

    /** @return size in bytes */
    public int size() {
        return (int) (endAddress - address);
    }

    /** @return the instructions, in order (an unmodifiable view) */
    public List<Insn> instructions() {
        List<Insn> view = instructions;
        if (view == null) {
            // A race between threads makes two equal views: harmless, their fields are final.
            view = new InsnRun(code, first, count);
            instructions = view;
        }
        return view;
    }

    /** @return number of instructions */
    public int instructionCount() {
        return count;
    }

    /** @return instruction {@code i} of the block */
    public Insn instruction(int i) {
        java.util.Objects.checkIndex(i, count);
        return code[first + i];
    }

    /** @return the last instruction */
    public Insn lastInstruction() {
        return code[first + count - 1];
    }

    /**
     * @return outgoing edges (an unmodifiable view, made per call as the list wrapper was: a field
     *     for it would grow every block by what a call allocates)
     */
    public List<Edge> successors() {
        return new EdgeView(false);
    }

    /** @return incoming edges from blocks of any function (an unmodifiable view, made per call) */
    public List<Edge> predecessors() {
        return new EdgeView(true);
    }

    /** @return true when control may arrive here through a pointer (entry, jump-table target, code pointer) */
    public boolean isIndirectTarget() {
        return indirectTarget;
    }

    void markIndirectTarget() {
        indirectTarget = true;
    }

    /**
     * Asks for {@code probe} to run right before instruction {@code index} (0: at the block's start,
     * so every branch to the block runs it). Probes at one position run in the order they were added.
     *
     * @param index instruction position in this block
     * @param probe the code to insert
     */
    public void insertBefore(int index, Probe probe) {
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException("no instruction " + index + " in " + label());
        }
        if (probes == null) {
            probes = new TreeMap<>();
        }
        probes.computeIfAbsent(index, k -> new ArrayList<>()).add(probe);
    }

    /**
     * @param index instruction position in this block
     * @return the probes to run before that instruction, in order (empty when none)
     */
    public List<Probe> probesBefore(int index) {
        List<Probe> at = probes == null ? null : probes.get(index);
        return at == null ? List.of() : Collections.unmodifiableList(at);
    }

    /**
     * Asks for instruction {@code index} not to be emitted when the block moves (a call a pass
     * strips, and the set-up only it read). Branches to it arrive at what follows it; probes inserted
     * before it still run. A removed conditional branch falls through: remove one only where both
     * ways reach the same code. In a function that stays in place nothing is removed: the pass must
     * patch the bytes instead ({@link org.ykrw.core.pass.PassContext#patchInPlace}).
     *
     * @param index instruction position in this block
     */
    public void remove(int index) {
        java.util.Objects.checkIndex(index, count);
        if (removed == null) {
            removed = new java.util.BitSet(count);
        }
        removed.set(index);
    }

    /** @return true when instruction {@code index} was removed by {@link #remove} */
    public boolean isRemoved(int index) {
        return removed != null && removed.get(index);
    }

    /** @return true when some pass inserted code into this block */
    public boolean hasProbes() {
        return probes != null;
    }

    void addSuccessor(Edge e) {
        switch (outCount) {
            case 0 -> out0 = e;
            case 1 -> out1 = e;
            default -> outMore = put(outMore, outCount - 2, e);
        }
        outCount++;
        if (e.to() != null) {
            e.to().addPredecessor(e);
        }
    }

    private void addPredecessor(Edge e) {
        switch (inCount) {
            case 0 -> in0 = e;
            case 1 -> in1 = e;
            default -> inMore = put(inMore, inCount - 2, e);
        }
        inCount++;
    }

    /** @return {@code more} with {@code e} at {@code i}, grown when full */
    private static Edge[] put(Edge[] more, int i, Edge e) {
        Edge[] out = more == null ? new Edge[2] : i < more.length ? more : java.util.Arrays.copyOf(more, 2 * i);
        out[i] = e;
        return out;
    }

    private Edge edge(boolean incoming, int i) {
        java.util.Objects.checkIndex(i, incoming ? inCount : outCount);
        return switch (i) {
            case 0 -> incoming ? in0 : out0;
            case 1 -> incoming ? in1 : out1;
            default -> incoming ? inMore[i - 2] : outMore[i - 2];
        };
    }

    /** The edges one way, as a list that reads the block's fields (so it sees edges added later). */
    private final class EdgeView extends AbstractList<Edge> implements RandomAccess {
        private final boolean incoming;

        EdgeView(boolean incoming) {
            this.incoming = incoming;
        }

        @Override
        public Edge get(int i) {
            return edge(incoming, i);
        }

        @Override
        public int size() {
            return incoming ? inCount : outCount;
        }
    }

    /** Part of a shared instruction array, as an unmodifiable list. */
    private static final class InsnRun extends AbstractList<Insn> implements RandomAccess {
        private final Insn[] code;
        private final int first;
        private final int count;

        InsnRun(Insn[] code, int first, int count) {
            this.code = code;
            this.first = first;
            this.count = count;
        }

        @Override
        public Insn get(int i) {
            java.util.Objects.checkIndex(i, count);
            return code[first + i];
        }

        @Override
        public int size() {
            return count;
        }
    }

    /** @return a short label such as {@code main#3@0x1139} */
    public String label() {
        return String.format("%s#%d@0x%x", function.name(), index, address());
    }

    @Override
    public String toString() {
        return label();
    }
}
