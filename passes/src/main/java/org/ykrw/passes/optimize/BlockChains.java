package org.ykrw.passes.optimize;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Edge;
import org.ykrw.core.ir.Function;

/**
 * A function's block order from its profile, by greedy chain merging (Pettis and Hansen's bottom-up
 * positioning, which BOLT's simpler -reorder-blocks modes also use): every block starts as a chain of
 * its own; edges, heaviest first, join the chain ending at their source to the chain starting at their
 * target, so the hottest successor of a block falls through from it. Chains are then laid out entry
 * chain first, the others by how hot their hottest block is, never-run chains last in address order,
 * so a function's cold blocks end up together at its end.
 */
final class BlockChains {
    private BlockChains() {
    }

    /** @return f's blocks in their new order, its entry block first */
    static List<Block> order(Function f, BlockProfile profile) {
        List<Block> blocks = f.blocks();
        Map<Block, List<Block>> chainOf = new IdentityHashMap<>();
        for (Block b : blocks) {
            List<Block> chain = new ArrayList<>();
            chain.add(b);
            chainOf.put(b, chain);
        }
        List<Map.Entry<Edge, Long>> edges = new ArrayList<>(EdgeWeights.of(f, profile).entrySet());
        // heaviest first; ties in address order so the result does not depend on hashing
        edges.sort(Comparator.<Map.Entry<Edge, Long>>comparingLong(Map.Entry::getValue).reversed()
                .thenComparingLong(e -> e.getKey().from().address())
                .thenComparingLong(e -> e.getKey().to().address()));
        Block entry = blocks.stream().filter(b -> b.address() == f.entryAddress()).findFirst().orElse(blocks.get(0));
        for (Map.Entry<Edge, Long> e : edges) {
            if (e.getValue() == 0) {
                break;
            }
            Block from = e.getKey().from();
            Block to = e.getKey().to();
            List<Block> head = chainOf.get(from);
            List<Block> tail = chainOf.get(to);
            if (head == tail || head.get(head.size() - 1) != from || tail.get(0) != to || to == entry) {
                continue;
            }
            head.addAll(tail);
            for (Block b : tail) {
                chainOf.put(b, head);
            }
        }
        List<List<Block>> chains = new ArrayList<>();
        Map<List<Block>, Boolean> seen = new IdentityHashMap<>();
        for (Block b : blocks) {
            List<Block> c = chainOf.get(b);
            if (seen.put(c, Boolean.TRUE) == null) {
                chains.add(c);
            }
        }
        Map<List<Block>, Long> heat = new HashMap<>();
        for (List<Block> c : chains) {
            heat.put(c, c.stream().mapToLong(profile::count).max().orElse(0));
        }
        List<Block> entryChain = chainOf.get(entry);
        // stable sort: equally hot chains (the never-run ones among them) keep address order
        chains.sort(Comparator.<List<Block>>comparingInt(c -> c == entryChain ? 0 : 1)
                .thenComparing(Comparator.<List<Block>>comparingLong(heat::get).reversed()));
        List<Block> out = new ArrayList<>(blocks.size());
        chains.forEach(out::addAll);
        return out;
    }
}
