package org.ykrw.core.layout;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;

/**
 * The order a pass chose for the new code (profile-guided layout): which moved functions come first,
 * and the order of each function's blocks. Functions it does not name follow in address order, and
 * blocks of functions it does not order keep theirs. A function's entry block stays first, so its
 * symbol and its range still start where calls enter.
 *
 * @param functions functions to emit first, in this order
 * @param blocks per function, a permutation of its blocks with the entry block first
 */
public record CodeOrder(List<Function> functions, Map<Function, List<Block>> blocks) {
    /** Checks that each block order is a permutation of its function's blocks, entry first. */
    public CodeOrder {
        functions = List.copyOf(functions);
        blocks = Map.copyOf(blocks);
        for (Map.Entry<Function, List<Block>> e : blocks.entrySet()) {
            Function f = e.getKey();
            List<Block> order = e.getValue();
            Set<Block> seen = new HashSet<>(order);
            if (order.size() != f.blocks().size() || seen.size() != order.size() || !seen.containsAll(f.blocks())) {
                throw new IllegalArgumentException(f.name() + ": a block order must list each of its blocks once");
            }
            if (order.get(0).address() != f.entryAddress()) {
                throw new IllegalArgumentException(f.name() + ": a block order must start with the entry block");
            }
        }
    }

    /** @return f's blocks in the order chosen for it (its own order when none was) */
    public List<Block> blocksOf(Function f) {
        List<Block> order = blocks.get(f);
        return order != null ? order : f.blocks();
    }
}
