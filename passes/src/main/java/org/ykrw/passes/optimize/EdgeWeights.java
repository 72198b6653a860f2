package org.ykrw.passes.optimize;

import java.util.HashMap;
import java.util.Map;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Edge;
import org.ykrw.core.ir.EdgeKind;

/**
 * How often each edge inside a function ran, estimated from block counts alone (a counts profile has
 * no edge counters): an edge is taken as often as its source ran when it is the source's only way on,
 * as often as its target ran when it is the target's only way in, and otherwise at most the smaller of
 * the two; a source's estimates never add up to more than it ran.
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
        int local = 0;
        for (Edge e : b.successors()) {
            if (isLocal(e)) {
                local++;
            }
        }
        long left = ran;
        for (Edge e : b.successors()) {
            if (!isLocal(e)) {
                continue;
            }
            long into = profile.count(e.to());
            long w;
            if (local == 1) {
                w = ran;
            } else if (localPredecessors(e.to()) == 1) {
                w = into;
            } else {
                w = Math.min(ran, into);
            }
            w = Math.min(w, left);
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
