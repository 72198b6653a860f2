package org.ykrw.core.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The range arithmetic strict mode's fill is made of. */
class StrictFillTest {
    private static String show(List<long[]> ranges) {
        StringBuilder b = new StringBuilder();
        for (long[] r : ranges) {
            b.append('[').append(r[0]).append(',').append(r[1]).append(')');
        }
        return b.toString();
    }

    @Test
    void mergeJoinsOverlappingAndTouchingRangesAndDropsEmptyOnes() {
        List<long[]> in = List.of(new long[] {10, 20}, new long[] {0, 5}, new long[] {20, 25}, new long[] {7, 7},
                new long[] {15, 18}, new long[] {30, 31});
        assertEquals("[0,5)[10,25)[30,31)", show(StrictFill.merge(in)));
    }

    @Test
    void subtractCutsHolesAcrossSeveralRanges() {
        List<long[]> from = List.of(new long[] {0, 10}, new long[] {20, 30}, new long[] {40, 50});
        List<long[]> minus = List.of(new long[] {0, 2}, new long[] {5, 22}, new long[] {25, 26}, new long[] {45, 60});
        assertEquals("[2,5)[22,25)[26,30)[40,45)", show(StrictFill.subtract(from, minus)));
        assertEquals("[0,10)", show(StrictFill.subtract(List.of(new long[] {0, 10}), List.of())));
        assertEquals("", show(StrictFill.subtract(List.of(new long[] {3, 4}), List.of(new long[] {0, 10}))));
    }
}
