package org.ykrw.passes.optimize;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Edge;
import org.ykrw.core.ir.EdgeKind;

/**
 * How often each edge inside a function ran, estimated from block counts alone (a counts profile has
 * no edge counters): an edge is taken as often as its source ran when it is the source's only way on,
 * as often as its target ran when it is the target's only way in, and otherwise at most the smaller of
 * the two; a source's estimates never add up to more than it ran.
 *
 * <p>The exact estimates (a target's only way in) are given first, and what the source ran beyond them
 * goes to the other edges, its fall-through first: the compiler made the likelier side fall through
 * (with its own profile, in a PGO build), and when block counts cannot tell two sides apart, keeping
 * its choice costs no inverted branch. (Given in successor order, a taken branch, listed first, took
 * all it could, and an exact edge after it could be left with nothing.)
 */
final class EdgeWeights {
    private EdgeWeights() {
    }

    /** @return true for an edge that stays inside the function and can be laid out as a fall-through */
    static boolean isLocal(Edge e) {
        return e.to() != null && e.to().function() == e.from().function() && (e.kind() == EdgeKind.FALL_THROUGH || e.kind() == EdgeKind.BRANCH
                || e.kind() == EdgeKind.CONDITIONAL || e.kind() == EdgeKind.JUMP_TABLE);
    }

    /** @return each local edge leaving b, with its estimated count */
    static Map<Edge, Long> leaving(Block b, BlockProfile profile) {
        Map<Edge, Long> out = new HashMap<>();
        long ran = profile.count(b);
        List<Edge> local = new ArrayList<>();
        for (Edge e : b.successors()) {
            if (isLocal(e)) {
                local.add(e);
            }
        }
        if (local.size() == 1) {
            out.put(local.get(0), ran);
            return out;
        }
        // exact ones first, then the others, the fall-through before the taken sides (a stable sort)
        local.sort(Comparator.comparingInt(e -> localPredecessors(e.to()) == 1 ? 0
                : e.kind() == EdgeKind.FALL_THROUGH ? 1 : 2));
        long left = ran;
        for (Edge e : local) {
            long w = Math.min(profile.count(e.to()), left);
            left -= w;
            out.put(e, w);
        }
        return out;
    }

    private static int localPredecessors(Block b) {
        int n = 0;
        for (Edge e : b.predecessors()) {
            if (isLocal(e)) {
                n++;
            }
        }
        return n;
    }
}
