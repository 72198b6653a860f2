package org.ykrw.cli;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.ykrw.core.layout.FunctionPlacement;

/** What the rewriting commands say of the functions a rewrite left in place: a count per reason, or a line each. */
final class LeftInPlace {
    private LeftInPlace() {
    }

    /** Prints {@code ykrw:   N left in place: REASON} on standard error, a line per reason. */
    static void summarise(List<FunctionPlacement> placements) {
        Map<String, Integer> reasons = new TreeMap<>();
        for (FunctionPlacement p : placements) {
            if (!p.relocated()) {
                reasons.merge(p.reason(), 1, Integer::sum);
            }
        }
        reasons.forEach((why, n) -> System.err.printf("ykrw:   %d left in place: %s%n", n, why));
    }

    /** Prints {@code left in place: NAME at 0xADDRESS: REASON} on standard output for each (--report). */
    static void list(List<FunctionPlacement> placements) {
        for (FunctionPlacement p : placements) {
            if (!p.relocated()) {
                System.out.printf("left in place: %s at 0x%x: %s%n", p.function().name(), p.function().entryAddress(),
                        p.reason());
            }
        }
    }
}
