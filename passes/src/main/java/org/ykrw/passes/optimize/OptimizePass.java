package org.ykrw.passes.optimize;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ykrw.core.diag.UnsupportedInputException;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;
import org.ykrw.core.layout.CodeOrder;
import org.ykrw.core.pass.Pass;
import org.ykrw.core.pass.PassInput;
import org.ykrw.core.pass.PassRequests;

/**
 * Profile-guided code layout (issue 17): from block counts of `instrument --counts` runs of the same
 * input, each moved function's blocks are ordered so the hot path falls through ({@link BlockChains};
 * the layout inverts a conditional jump whose target comes next) and its never-run blocks gather at
 * its end, and functions are ordered so callers and their hot callees sit together, hottest first
 * ({@link FunctionClusters}). The pass inserts nothing: it asks the layout for a {@link CodeOrder}.
 */
public final class OptimizePass implements Pass {
    private final BlockProfile profile;

    /** @param profile block counts of runs of the input being rewritten */
    public OptimizePass(BlockProfile profile) {
        this.profile = profile;
    }

    @Override
    public String name() {
        return "optimize";
    }

    @Override
    public void run(PassInput context, PassRequests requests) {
        if (context.mapId() != profile.mapId()) {
            throw new UnsupportedInputException(String.format("the profile was taken from another build than %s"
                    + " (map id %016x, the input's is %016x)", context.inputName(), profile.mapId(), context.mapId()));
        }
        List<Function> moved = new ArrayList<>();
        for (Function f : context.program().functions()) {
            if (context.isRelocated(f)) {
                moved.add(f);
            }
        }
        Map<Function, List<Block>> blocks = new HashMap<>();
        int reordered = 0;
        for (Function f : moved) {
            if (f.blocks().stream().anyMatch(b -> profile.count(b) > 0)) {
                List<Block> order = BlockChains.order(f, profile);
                blocks.put(f, order);
                if (!order.equals(f.blocks())) {
                    reordered++;
                }
            }
        }
        List<Function> functions = FunctionClusters.order(context.program(), moved, profile);
        requests.orderCode(new CodeOrder(functions, blocks));
        requests.note(String.format("optimize: %,d of %,d moved functions ran; blocks reordered in %,d; the %,d that"
                + " ran first, clustered by calls, the others after in address order", functions.size(), moved.size(),
                reordered, functions.size()));
    }
}
