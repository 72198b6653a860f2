package org.ykrw.passes.optimize;

import java.util.List;
import java.util.Locale;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;

/** How `optimize` orders the blocks of a function that ran (`--block-order`). */
public enum BlockOrder {
    /** By the extended TSP score ({@link ExtTsp}), as BOLT's -reorder-blocks=ext-tsp. */
    EXT_TSP,
    /** By greedy chain merging of the heaviest edges ({@link BlockChains}), Pettis and Hansen's. */
    GREEDY;

    /** @return f's blocks in their new order, its entry block first */
    List<Block> order(Function f, BlockProfile profile) {
        return this == EXT_TSP ? ExtTsp.order(f, profile) : BlockChains.order(f, profile);
    }

    /** @return the option's spelling: ext-tsp, greedy */
    public String spelling() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * @param spelling ext-tsp or greedy
     * @return the order so spelt
     * @throws IllegalArgumentException for any other word
     */
    public static BlockOrder of(String spelling) {
        for (BlockOrder o : values()) {
            if (o.spelling().equals(spelling)) {
                return o;
            }
        }
        throw new IllegalArgumentException("--block-order: '" + spelling + "' is neither ext-tsp nor greedy");
    }
}
