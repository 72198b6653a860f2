package org.ykrw.passes.optimize;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Edge;
import org.ykrw.core.ir.EdgeKind;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;

/**
 * Function order by call-graph clustering, after C3 (Ottoni and Maher, "Optimizing Function Placement
 * for Large-Scale Data-Center Applications", CGO 2017; hfsort in BOLT): functions in decreasing order
 * of how much they ran each join the cluster of the caller that calls them most, as long as the
 * merged cluster stays within {@link #CLUSTER_BYTES}; clusters are then laid out densest first. A
 * callee thus sits right after its hottest caller, and the hot code of the whole program shares few
 * pages. Functions that never ran are left out (the layout puts them after, in address order).
 */
final class FunctionClusters {
    /** The largest cluster: a page, as in C3, so a caller and its callees share a TLB entry. */
    static final int CLUSTER_BYTES = 4096;

    private FunctionClusters() {
    }

    /**
     * @param functions the functions that may be ordered (those that move)
     * @return the functions that ran, in their new order
     */
    static List<Function> order(Program program, List<Function> functions, BlockProfile profile) {
        Map<Function, Long> heat = new IdentityHashMap<>();
        Map<Function, Map<Function, Long>> callers = new IdentityHashMap<>();
        for (Function f : functions) {
            heat.put(f, 0L);
        }
        for (Function f : functions) {
            long h = 0;
            for (Block b : f.blocks()) {
                long n = profile.count(b);
                h += n * b.instructionCount();
                for (Edge e : b.successors()) {
                    if (n > 0 && (e.kind() == EdgeKind.CALL || e.kind() == EdgeKind.TAIL_CALL)) {
                        Function callee = program.functionAt(e.targetAddress());
                        if (callee != null && callee != f && heat.containsKey(callee)) {
                            callers.computeIfAbsent(callee, k -> new HashMap<>()).merge(f, n, Long::sum);
                        }
                    }
                }
            }
            heat.put(f, h);
        }
        List<Function> hot = new ArrayList<>();
        for (Function f : functions) {
            if (heat.get(f) > 0) {
                hot.add(f);
            }
        }
        hot.sort(Comparator.<Function>comparingLong(heat::get).reversed().thenComparingLong(Function::entryAddress));
        Map<Function, Cluster> clusterOf = new IdentityHashMap<>();
        for (Function f : hot) {
            clusterOf.put(f, new Cluster(f, heat.get(f)));
        }
        for (Function f : hot) {
            Function caller = hottestCaller(callers.get(f), clusterOf);
            if (caller == null) {
                continue;
            }
            Cluster into = clusterOf.get(caller);
            Cluster from = clusterOf.get(f);
            if (into == from || into.bytes + from.bytes > CLUSTER_BYTES) {
                continue;
            }
            into.absorb(from);
            for (Function g : from.functions) {
                clusterOf.put(g, into);
            }
        }
        List<Cluster> clusters = new ArrayList<>();
        Map<Cluster, Boolean> seen = new IdentityHashMap<>();
        for (Function f : hot) {
            Cluster c = clusterOf.get(f);
            if (seen.put(c, Boolean.TRUE) == null) {
                clusters.add(c);
            }
        }
        clusters.sort(Comparator.comparingDouble(Cluster::density).reversed());
        List<Function> out = new ArrayList<>();
        clusters.forEach(c -> out.addAll(c.functions));
        return out;
    }

    private static Function hottestCaller(Map<Function, Long> calls, Map<Function, Cluster> clusterOf) {
        if (calls == null) {
            return null;
        }
        Function best = null;
        long most = 0;
        for (Map.Entry<Function, Long> e : calls.entrySet()) {
            boolean better = e.getValue() > most
                    || e.getValue() == most && best != null && e.getKey().entryAddress() < best.entryAddress();
            if (clusterOf.containsKey(e.getKey()) && better) {
                best = e.getKey();
                most = e.getValue();
            }
        }
        return best;
    }

    /** Functions laid out together, and what they weigh. */
    private static final class Cluster {
        final List<Function> functions = new ArrayList<>();
        long heat;
        long bytes;

        Cluster(Function f, long heat) {
            functions.add(f);
            this.heat = heat;
            this.bytes = size(f);
        }

        void absorb(Cluster other) {
            functions.addAll(other.functions);
            heat += other.heat;
            bytes += other.bytes;
        }

        double density() {
            return (double) heat / Math.max(1, bytes);
        }

        private static long size(Function f) {
            long n = 0;
            for (Block b : f.blocks()) {
                n += b.size();
            }
            return n;
        }
    }
}
