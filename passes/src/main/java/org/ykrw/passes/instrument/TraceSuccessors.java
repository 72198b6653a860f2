package org.ykrw.passes.instrument;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Edge;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;
import org.ykrw.core.x86.FlowKind;

/**
 * What the CFG says about the block that follows each probed block, for the embedded recorder's
 * encoder (docs/FORMATS.md section 3): per probe, the probe of its first and second likely successor
 * (fall-through and branch target of a conditional; the callee's entry and the return block of a
 * call), the return block a call pushes, and whether the block ends in a call or a return. A record
 * that is one of those costs one or two bits in the file; any other (an indirect target, a callback
 * from code that is not traced) costs its probe number.
 */
public final class TraceSuccessors {
    /** The table's first 8 bytes. */
    public static final String MAGIC = "YKRWSUC1";
    /** Bytes before the entries: magic, count, window bytes, thread-pointer offset, capacity. */
    public static final int HEADER = 32;
    /** Bytes of one entry: next0, next1, ret, flags. */
    public static final int ENTRY = 16;
    /** No such probe. */
    public static final int NONE = -1;
    /** The block ends in a call: its return block is pushed when the callee is entered. */
    public static final int CALL = 1;
    /** The block ends in a return: its successor is predicted from the return stack. */
    public static final int RET = 2;
    /** Name of the unloaded section that holds the table, for trace dump. */
    public static final String SECTION_NAME = ".ykrw.trace";

    private TraceSuccessors() {
    }

    /**
     * @param program the program, its CFG recovered
     * @param probeOf each probed block's probe number (consecutive from 0)
     * @param windowBytes a thread window's record bytes (the runtime reads it from the table)
     * @param tpoff the thread-pointer offset of the recorder's thread-local cursor
     * @param capacity records the run keeps at most (0: no limit)
     * @return the table: the header, an entry per probe, and one of nothing (the runtime's entry for
     *     "no previous record")
     */
    public static byte[] build(Program program, Map<Block, Integer> probeOf, int windowBytes, long tpoff, long capacity) {
        ByteBuffer t = ByteBuffer.allocate(HEADER + ENTRY * (probeOf.size() + 1)).order(ByteOrder.LITTLE_ENDIAN);
        t.put(MAGIC.getBytes(StandardCharsets.US_ASCII)).putInt(probeOf.size()).putInt(windowBytes).putLong(tpoff).putLong(capacity);
        for (int i = 0; i < 3; i++) {
            t.putInt(HEADER + ENTRY * probeOf.size() + 4 * i, NONE);
        }
        for (Map.Entry<Block, Integer> e : probeOf.entrySet()) {
            int[] entry = entry(program, e.getKey(), probeOf);
            int at = HEADER + ENTRY * e.getValue();
            for (int i = 0; i < entry.length; i++) {
                t.putInt(at + 4 * i, entry[i]);
            }
        }
        return t.array();
    }

    /** {next0, next1, ret, flags} of one block, from how it ends and its edges. */
    private static int[] entry(Program program, Block b, Map<Block, Integer> probeOf) {
        int fallThrough = NONE;
        int taken = NONE;
        int callee = NONE;
        for (Edge e : b.successors()) {
            switch (e.kind()) {
                case FALL_THROUGH -> fallThrough = probe(probeOf, e.to());
                case BRANCH, CONDITIONAL -> taken = probe(probeOf, e.to());
                case CALL, TAIL_CALL -> callee = entryProbe(program, e.targetAddress(), probeOf);
                default -> { }
            }
        }
        FlowKind last = b.lastInstruction().flow();
        return switch (last) {
            case CALL, INDIRECT_CALL -> new int[] {callee != NONE ? callee : fallThrough,
                    callee != NONE ? fallThrough : NONE, fallThrough, CALL};
            case RETURN -> new int[] {NONE, NONE, NONE, RET};
            case JUMP -> new int[] {taken != NONE ? taken : callee, NONE, NONE, 0};
            case INDIRECT_JUMP -> new int[] {callee, NONE, NONE, 0};
            default -> new int[] {fallThrough, taken, NONE, 0};
        };
    }

    private static int probe(Map<Block, Integer> probeOf, Block b) {
        Integer p = b == null ? null : probeOf.get(b);
        return p == null ? NONE : p;
    }

    private static int entryProbe(Program program, long address, Map<Block, Integer> probeOf) {
        Function f = program.functionAt(address);
        if (f != null) {
            for (Block b : f.blocks()) {   // not entryBlock(): a function left in place has no CFG
                if (b.address() == address) {
                    return probe(probeOf, b);
                }
            }
        }
        return NONE;
    }
}
