package org.ykrw.core.dwarf;

import java.util.List;

/**
 * The line table of a binary, from DWARF {@code .debug_line}: rows mapping addresses to source
 * lines, in the order the line programs produced them. A row with {@code endSequence} set marks the
 * first address after a sequence and names no line.
 *
 * @param rows every row of every unit
 * @param version the highest DWARF line-table version seen (2 to 5)
 */
public record LineTable(List<Row> rows, int version) {
    /**
     * One row of the line-number matrix.
     *
     * @param address input address of the first instruction of the row
     * @param file source file path (joined with its include directory when the table names one)
     * @param line line number, 1-based (0: compiler-generated code with no line)
     * @param endSequence true for the row that ends a sequence
     */
    public record Row(long address, String file, int line, boolean endSequence) {
    }

    /** @param rows copied */
    public LineTable {
        rows = List.copyOf(rows);
    }

    /** @return true when the binary has no line information */
    public boolean isEmpty() {
        return rows.isEmpty();
    }
}
