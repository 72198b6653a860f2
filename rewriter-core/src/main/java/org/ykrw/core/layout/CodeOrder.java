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
 * <p>Hot/cold splitting: a function split after its first n blocks (in its order) has the rest, its
 * cold part, emitted after every function's hot code, in a region of cold parts of their own (in the
 * order of the functions), so the hot code of the whole program is dense.
 *
 * @param functions functions to emit first, in this order
 * @param blocks per function, a permutation of its blocks with the entry block first
 * @param hotBlocks per split function, how many of its first blocks (in its order) stay hot
 */
public record CodeOrder(List<Function> functions, Map<Function, List<Block>> blocks, Map<Function, Integer> hotBlocks) {
    /** An order without splitting. */
    public CodeOrder(List<Function> functions, Map<Function, List<Block>> blocks) {
        this(functions, blocks, Map.of());
    }

    /** Checks that each block order is a permutation of its function's blocks, entry first, and each split inside it. */
    public CodeOrder {
        functions = List.copyOf(functions);
        blocks = Map.copyOf(blocks);
        hotBlocks = Map.copyOf(hotBlocks);
        for (Map.Entry<Function, Integer> e : hotBlocks.entrySet()) {
            if (e.getValue() < 1 || e.getValue() >= e.getKey().blocks().size()) {
                throw new IllegalArgumentException(e.getKey().name() + ": a split must leave the entry block hot and"
                        + " some block cold");
            }
        }
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

    /** @return how many of f's first blocks stay hot: all unless it is split */
    public int hotBlockCount(Function f) {
        Integer n = hotBlocks.get(f);
        return n != null ? n : f.blocks().size();
    }

    /** @return f's blocks in the order chosen for it (its own order when none was) */
    public List<Block> blocksOf(Function f) {
        List<Block> order = blocks.get(f);
        return order != null ? order : f.blocks();
    }
}
