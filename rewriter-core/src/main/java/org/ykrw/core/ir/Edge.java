package org.ykrw.core.ir;

/**
 * A control-flow edge.
 *
 * @param from the block the edge leaves
 * @param to the block it enters, or null when the target is no block of the program (PLT stub, unknown, return)
 * @param targetAddress the input address control goes to ({@code -1} for returns and unknown targets)
 * @param kind why control passes
 */
public record Edge(Block from, Block to, long targetAddress, EdgeKind kind) {
    @Override
    public String toString() {
        return String.format("%s -> %s (%s)", from.label(), to != null ? to.label()
                : targetAddress >= 0 ? "0x" + Long.toHexString(targetAddress) : "?", kind);
    }
}
