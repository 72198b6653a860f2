package org.ykrw.core.cfg;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongPredicate;

/**
 * What recursive descent of one function needs to know about the rest of the program.
 *
 * @param image decoded code
 * @param functionStarts every known function start (jumps there are tail calls)
 * @param frameRanges FDE ranges: pcBegin -> pcEnd
 * @param noReturn callee entry -> true when the call never returns
 * @param tables reads jump table entries
 * @param maxTableEntries largest acceptable table
 * @param landingPads FDE start -> landing pads of its LSDA (entered by the unwinder only)
 * @param extraRoots function entry -> addresses other functions jump to inside it (.cold fragments)
 */
record LiftContext(CodeImage image, Set<Long> functionStarts, TreeMap<Long, Long> frameRanges, LongPredicate noReturn,
        TableReader tables, int maxTableEntries,
        Map<Long, java.util.List<Long>> landingPads, Map<Long, Set<Long>> extraRoots) {

    /** @return the FDE range [start, end) holding {@code address}, or null */
    long[] frameRange(long address) {
        Map.Entry<Long, Long> e = frameRanges.floorEntry(address);
        return e != null && address < e.getValue() ? new long[] {e.getKey(), e.getValue()} : null;
    }
}
