package org.ykrw.passes.optimize;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ykrw.core.RewriteOptions;
import org.ykrw.core.diag.UnsupportedInputException;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;
import org.ykrw.core.layout.CodeOrder;
import org.ykrw.core.pass.Pass;
import org.ykrw.core.pass.PassInput;
import org.ykrw.core.pass.PassRequests;

/**
 * Profile-guided code layout (issue 17): from block counts of `instrument --counts` runs of the same
 * input, each moved function's blocks are ordered so the hot path falls through ({@link ExtTsp} or
 * {@link BlockChains}, {@link BlockOrder}; the layout inverts a conditional jump whose target comes
 * next) and its never-run blocks go to one cold region after all hot code (hot/cold splitting; or to
 * its own end), and functions are ordered so callers and their hot callees sit together, hottest
 * first ({@link FunctionClusters}). Functions that ran in no profile follow in address order, or stay
 * where they are when asked, and where pointers cannot follow moved functions the functions entered
 * mostly through pointers stay too ({@link #reasonToStay}). The pass inserts nothing: it asks the
 * layout for a {@link CodeOrder}.
 */
public final class OptimizePass implements Pass {
    private final BlockProfile profile;
    private final BlockOrder blockOrder;
    private final boolean split;
    private final boolean moveUnprofiled;
    private final boolean pointersFollow;
    /** the functions this pass kept in place because they ran in no profile, for the note */
    private final Set<Function> kept = new HashSet<>();
    /** those it kept because pointers that cannot follow them entered them most */
    private final Set<Function> keptForPointers = new HashSet<>();
    /** made when the rewriter first asks {@link #reasonToStay} */
    private PointerEntries pointerEntries;

    /**
     * @param profile block counts of runs of the input being rewritten; blocks ordered by ext-TSP, split
     *     hot/cold, every function moved (pointers follow them)
     */
    public OptimizePass(BlockProfile profile) {
        this(profile, BlockOrder.EXT_TSP, true, true, true);
    }

    /**
     * @param profile block counts of runs of the input being rewritten
     * @param blockOrder how each function's blocks are ordered
     * @param split true: the never-run blocks of functions that ran go to one cold region after all hot
     *     code (hot/cold splitting); false: to their function's end
     * @param moveUnprofiled true: functions that ran in no profile move too, after all that ran; false:
     *     they stay where they are
     * @param pointersFollow whether pointers to moved functions reach their new entries (a
     *     position-independent input rewritten with {@link #rewriteOptions} not keeping them); when
     *     not, a function entered mostly through pointers stays where it is ({@link PointerEntries})
     */
    public OptimizePass(BlockProfile profile, BlockOrder blockOrder, boolean split, boolean moveUnprofiled,
            boolean pointersFollow) {
        this.profile = profile;
        this.blockOrder = blockOrder;
        this.split = split;
        this.moveUnprofiled = moveUnprofiled;
        this.pointersFollow = pointersFollow;
    }

    /**
     * Keeps two kinds of function where they are. Where pointers cannot follow moved functions, one
     * entered mostly through pointers ({@link PointerEntries}): moved, each such call would run the jump
     * at its old entry first and touch a line of old code besides the new; in place it keeps the
     * compiler's block order. On Debian's python3.11 (type slots, vectorcall) that takes the I1 misses
     * from 1.290 to 1.071 of Debian's binary's, profiled on one program and run on four, and 0.986 to
     * 0.954 profiled on all four (docs/BENCHMARKS.md). And, when asked, one that ran in no profile, as
     * BOLT leaves functions without a profile alone when it cannot relocate. By default they move:
     * with the pointer rule, moving them gives python3.11 as few I1 misses or fewer, and in place it
     * ran 4-5% slower in two of three timed runs.
     */
    @Override
    public String reasonToStay(Program program, Function f) {
        if (!pointersFollow) {
            if (pointerEntries == null) {
                pointerEntries = new PointerEntries(program, profile);
            }
            if (pointerEntries.mostlyThroughPointers(f)) {
                keptForPointers.add(f);
                return "entered mostly through pointers, which keep its old entry";
            }
        }
        if (moveUnprofiled || ran(f)) {
            return null;
        }
        kept.add(f);
        return "ran in no profile";
    }

    /**
     * What {@code ykrw optimize} rewrites with besides the layout: calls of functions left in place and
     * pointers to moved functions reach the new code directly, so that no hot path runs the jump at an
     * old entry (unless {@code keepPointers}).
     *
     * @param strict fill the old code with int3
     * @param keepPointers leave calls of staying code and pointers at the old entries
     * @return the rewrite options
     */
    public static RewriteOptions rewriteOptions(boolean strict, boolean keepPointers) {
        return RewriteOptions.defaults().withStrict(strict).withRetargetStayingCalls(!keepPointers)
                .withRetargetCodePointers(!keepPointers);
    }

    /**
     * Whether the pointers to moved functions reach their new entries: in a position-independent file
     * whose pointers are not kept ({@link #rewriteOptions}). Where they do not, functions entered
     * mostly through pointers stay where they are.
     *
     * @param positionDependent the input is a position-dependent executable
     * @param keepPointers pointers stay at the old entries
     * @return true when pointers follow moved functions
     */
    public static boolean pointersFollow(boolean positionDependent, boolean keepPointers) {
        return !positionDependent && !keepPointers;
    }

    /** @return whether some block of f ran in the profile */
    private boolean ran(Function f) {
        return f.blocks().stream().anyMatch(b -> profile.count(b) > 0);
    }

    /**
     * @param order a function's blocks in their new order (both orders put the never-run blocks last)
     * @return how many of its first blocks stay hot: up to the last that ran, the entry block at least
     */
    private int hotPrefix(List<Block> order) {
        int hot = 1;
        for (int k = 0; k < order.size(); k++) {
            if (profile.count(order.get(k)) > 0) {
                hot = k + 1;
            }
        }
        return hot;
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
        Map<Function, Integer> hotBlocks = new HashMap<>();
        int reordered = 0;
        for (Function f : moved) {
            if (ran(f)) {
                List<Block> order = blockOrder.order(f, profile);
                blocks.put(f, order);
                if (!order.equals(f.blocks())) {
                    reordered++;
                }
                int hot = hotPrefix(order);
                if (split && hot < order.size()) {
                    hotBlocks.put(f, hot);
                }
            }
        }
        List<Function> functions = FunctionClusters.order(context.program(), moved, profile);
        requests.orderCode(new CodeOrder(functions, blocks, hotBlocks));
        int nops = leaveOutNops(moved);
        String placed = moveUnprofiled ? String.format("the %,d that ran first, clustered by calls, the others"
                + " after in address order", functions.size())
                : String.format("clustered by calls; %,d that ran in no profile left in place", kept.size());
        if (!pointersFollow) {
            placed += String.format("; %,d entered mostly through pointers left in place", keptForPointers.size());
        }
        requests.note(String.format("optimize: %,d of %,d moved functions ran; blocks reordered (%s) in %,d, split"
                + " hot/cold in %,d; %s; %,d NOPs left out", functions.size(), moved.size(), blockOrder.spelling(),
                reordered, hotBlocks.size(), placed, nops));
    }

    /**
     * Leaves the NOPs of moved code out: the compiler put them there to align what followed (a loop
     * head, a function), and in the new layout they align nothing but still run where control falls
     * into them (3.1 million times in a run of sqlite3's clang build). BOLT drops them too.
     *
     * @return how many were left out
     */
    private static int leaveOutNops(List<Function> moved) {
        int n = 0;
        for (Function f : moved) {
            for (Block b : f.blocks()) {
                for (int i = 0; i < b.instructionCount(); i++) {
                    if (b.instruction(i).isNop() && !b.isRemoved(i)) {
                        b.remove(i);
                        n++;
                    }
                }
            }
        }
        return n;
    }
}
