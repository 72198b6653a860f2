package org.ykrw.core.ir;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
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
    private final List<Insn> instructions;
    /** Copied out of the first and last instruction: asked for all the time, by sorts and lookups. */
    private final long address;
    private final long endAddress;
    // Most blocks have one or two edges each way: the default ten slots were a good part of the IR's heap.
    private final List<Edge> successors = new ArrayList<>(2);
    private final List<Edge> predecessors = new ArrayList<>(2);
    private Map<Integer, List<Probe>> probes;
    private int index = -1;
    private boolean indirectTarget;

    Block(Function function, List<Insn> instructions) {
        if (instructions.isEmpty()) {
            throw new IllegalArgumentException("a block holds at least one instruction");
        }
        this.function = function;
        this.instructions = List.copyOf(instructions);
        this.address = this.instructions.get(0).address();
        this.endAddress = this.instructions.get(this.instructions.size() - 1).end();
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

    /** @return the instructions, in order */
    public List<Insn> instructions() {
        return instructions;
    }

    /** @return the last instruction */
    public Insn lastInstruction() {
        return instructions.get(instructions.size() - 1);
    }

    /** @return outgoing edges */
    public List<Edge> successors() {
        return Collections.unmodifiableList(successors);
    }

    /** @return incoming edges from blocks of any function */
    public List<Edge> predecessors() {
        return Collections.unmodifiableList(predecessors);
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
        if (index < 0 || index >= instructions.size()) {
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

    /** @return true when some pass inserted code into this block */
    public boolean hasProbes() {
        return probes != null;
    }

    void addSuccessor(Edge e) {
        successors.add(e);
        if (e.to() != null) {
            e.to().predecessors.add(e);
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
