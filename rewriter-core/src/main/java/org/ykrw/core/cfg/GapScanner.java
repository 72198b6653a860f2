package org.ykrw.core.cfg;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.ykrw.core.ir.AddressRange;
import org.ykrw.core.x86.FlowKind;
import org.ykrw.core.x86.Insn;

/**
 * Finds functions that nothing points at in the file (hand-written assembly reached only through
 * data the analysis cannot see, such as glibc's TLS descriptor helpers in static binaries): in bytes
 * that no lifted function covers and no FDE describes, after alignment padding, a run of instructions
 * that decodes cleanly up to a return or jump is taken as a function start.
 */
final class GapScanner {
    private static final int MAX_RUN = 2000;

    private GapScanner() {
    }

    /** @return candidate function starts in the gaps left by {@code lifted} */
    static List<Long> scan(CodeImage image, Map<Long, LiftedFunction> lifted, Map<Long, String> plt,
            TreeMap<Long, Long> frameRanges) {
        TreeMap<Long, Long> covered = new TreeMap<>();
        for (LiftedFunction f : lifted.values()) {
            // One entry per contiguous run of instructions, not per instruction: far fewer map entries.
            long runStart = -1;
            long runEnd = -1;
            for (Insn i : f.insns.values()) {
                if (i.address() != runEnd) {
                    if (runStart >= 0) {
                        covered.merge(runStart, runEnd, Math::max);
                    }
                    runStart = i.address();
                }
                runEnd = i.end();
            }
            if (runStart >= 0) {
                covered.merge(runStart, runEnd, Math::max);
            }
        }
        for (long p : plt.keySet()) {
            covered.merge(p, p + 16, Math::max);
        }
        frameRanges.forEach((start, end) -> covered.merge(start, end, Math::max));
        List<Long> out = new ArrayList<>();
        for (AddressRange region : image.ranges()) {
            long pos = region.start();
            for (Map.Entry<Long, Long> c : covered.subMap(region.start(), true, region.end(), false).entrySet()) {
                if (c.getKey() > pos) {
                    candidate(image, pos, c.getKey(), out);
                }
                pos = Math.max(pos, c.getValue());
            }
            if (pos < region.end()) {
                candidate(image, pos, region.end(), out);
            }
        }
        return out;
    }

    private static void candidate(CodeImage image, long start, long end, List<Long> out) {
        long pos = start;
        while (pos < end) {
            Insn i = image.insnAt(pos);
            if (i == null || !(i.isNop() || i.mnemonic().equals("int3")) ) {
                break;
            }
            pos = i.end();
        }
        // Code begins aligned after padding; zero bytes decode as `add [rax], al` and are not code.
        if (pos >= end || (pos & 15) != 0 || image.insnAt(pos) == null || image.insnAt(pos).byteAt(0) == 0) {
            return;
        }
        long p = pos;
        for (int n = 0; n < MAX_RUN && p < end; n++) {
            Insn i = image.insnAt(p);
            if (i == null || i.flow() == FlowKind.INVALID) {
                return;
            }
            if (i.flow() == FlowKind.RETURN || i.flow() == FlowKind.JUMP || i.flow() == FlowKind.INDIRECT_JUMP
                    || i.flow() == FlowKind.TRAP) {
                out.add(pos);
                return;
            }
            p = i.end();
        }
    }
}
