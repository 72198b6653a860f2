package org.ykrw.passes.optimize;

import java.util.HashMap;
import java.util.Map;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Edge;
import org.ykrw.core.ir.EdgeKind;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;

/**
 * How a function was entered in a profile: through direct calls and tail calls, whose counts are
 * those of the blocks that end in them, or otherwise, which in a program is through a pointer (a
 * method table, a callback, another object's call). A function entered mostly through pointers is
 * better left in place when the pointers cannot follow it to its new entry (a position-dependent
 * file's data has no relocations to find them): each such call would run the jump at the old entry
 * first and touch a line of old code besides the new.
 */
final class PointerEntries {
    /** Functions entered fewer times than this stay movable whatever their callers: too rare to matter. */
    static final long MIN_ENTRIES = 100;

    private final BlockProfile profile;
    /** entry address -> runs of direct calls and tail calls to it, over the whole program */
    private final Map<Long, Long> direct = new HashMap<>();

    /**
     * @param program the lifted program
     * @param profile its block counts
     */
    PointerEntries(Program program, BlockProfile profile) {
        this.profile = profile;
        for (Function g : program.functions()) {
            for (Block b : g.blocks()) {
                long n = profile.count(b);
                if (n == 0) {
                    continue;
                }
                for (Edge e : b.successors()) {
                    if (e.kind() == EdgeKind.CALL || e.kind() == EdgeKind.TAIL_CALL) {
                        direct.merge(e.targetAddress(), n, Long::sum);
                    }
                }
            }
        }
    }

    /**
     * @param f a function
     * @return true when f's entry block ran at least {@link #MIN_ENTRIES} times, more than half of them
     *     not from a direct call or tail call; false too when its entry block is also reached from
     *     inside f (a loop), where block counts cannot tell entries from iterations
     */
    boolean mostlyThroughPointers(Function f) {
        if (f.blocks().isEmpty() || !f.entryBlock().predecessors().isEmpty()) {
            return false;
        }
        long entries = profile.count(f.entryBlock());
        long indirect = entries - direct.getOrDefault(f.entryAddress(), 0L);
        return entries >= MIN_ENTRIES && indirect > entries / 2;
    }
}
