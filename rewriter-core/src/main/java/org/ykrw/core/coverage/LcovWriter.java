package org.ykrw.core.coverage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.ykrw.core.coverage.BlockMap.MappedBlock;
import org.ykrw.core.coverage.BlockMap.MappedFunction;
import org.ykrw.core.coverage.CoverageData.FunctionCoverage;
import org.ykrw.core.dwarf.LineTable;
import org.ykrw.core.dwarf.LineTable.Row;

/**
 * Writes coverage as an lcov tracefile ({@code .info}, read by genhtml and most CI coverage
 * services).
 *
 * <p>With a DWARF line table: a source line is instrumented when some row of that line starts inside
 * a probed block, and covered when one of those blocks ran; its count is the highest count among
 * them (a line's blocks run one after another, so adding them would count one pass several times).
 * A function is listed at the line of its entry address with its entry block's count.
 *
 * <p>Without one, the records are at block level: the "source" is the binary, line k stands for the
 * k-th block of the map (program order) and a function's line is that of its entry block; genhtml
 * then needs {@code --ignore-errors source} since there is no file to show.
 */
public final class LcovWriter {
    private LcovWriter() {
    }

    /** What one source file gathers: function lines and per-line counts (-1: not yet decided). */
    private static final class SourceFile {
        final Map<Integer, Long> lines = new TreeMap<>();
        final List<String[]> functions = new ArrayList<>();  // {line, name, count}
    }

    /**
     * @param data the coverage
     * @param lines the binary's line table, or null / empty for block-level records
     * @param testName the TN: value (letters, digits and underscores)
     * @return the tracefile
     */
    public static String write(CoverageData data, LineTable lines, String testName) {
        Map<String, SourceFile> files = lines == null || lines.isEmpty() ? byBlock(data) : byLine(data, lines);
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, SourceFile> e : files.entrySet()) {
            SourceFile sf = e.getValue();
            b.append("TN:").append(testName).append('\n');
            b.append("SF:").append(e.getKey()).append('\n');
            int hit = 0;
            for (String[] fn : sf.functions) {
                b.append("FN:").append(fn[0]).append(',').append(fn[1]).append('\n');
            }
            for (String[] fn : sf.functions) {
                b.append("FNDA:").append(fn[2]).append(',').append(fn[1]).append('\n');
                if (!fn[2].equals("0")) {
                    hit++;
                }
            }
            b.append("FNF:").append(sf.functions.size()).append('\n');
            b.append("FNH:").append(hit).append('\n');
            int linesHit = 0;
            for (Map.Entry<Integer, Long> l : sf.lines.entrySet()) {
                b.append("DA:").append(l.getKey()).append(',').append(Long.toUnsignedString(l.getValue())).append('\n');
                if (l.getValue() != 0) {
                    linesHit++;
                }
            }
            b.append("LF:").append(sf.lines.size()).append('\n');
            b.append("LH:").append(linesHit).append('\n');
            b.append("end_of_record\n");
        }
        return b.toString();
    }

    private static Map<String, SourceFile> byLine(CoverageData data, LineTable table) {
        BlockMap map = data.map();
        Map<String, SourceFile> files = new TreeMap<>();
        // Line of each function: the row at its entry, or failing that the first row inside it.
        Map<Long, Row> firstRowAt = new TreeMap<>();
        for (Row r : table.rows()) {
            if (r.endSequence() || r.line() == 0) {
                continue;
            }
            firstRowAt.putIfAbsent(r.address(), r);
            MappedBlock block = map.blockContaining(r.address());
            if (block == null || !block.hasProbe()) {
                continue;
            }
            long count = data.count(block);
            files.computeIfAbsent(r.file(), k -> new SourceFile()).lines.merge(r.line(), count,
                    (a, c) -> Long.compareUnsigned(a, c) >= 0 ? a : c);
        }
        TreeMap<Long, Row> rowsByAddress = new TreeMap<>(firstRowAt);
        for (FunctionCoverage fc : data.functions()) {
            MappedFunction f = fc.function();
            Map.Entry<Long, Row> e = rowsByAddress.ceilingEntry(f.address());
            if (e == null || e.getKey() >= f.end()) {
                continue;  // no line information: crt code, assembly, libraries built without -g
            }
            Row r = e.getValue();
            files.computeIfAbsent(r.file(), k -> new SourceFile()).functions.add(
                    new String[] {Integer.toString(r.line()), f.name(), Long.toUnsignedString(fc.entryCount())});
        }
        return files;
    }

    private static Map<String, SourceFile> byBlock(CoverageData data) {
        SourceFile sf = new SourceFile();
        int line = 0;
        for (MappedFunction f : data.map().functions()) {
            int first = -1;
            for (MappedBlock b : f.blocks()) {
                line++;
                if (b.hasProbe()) {
                    sf.lines.put(line, data.count(b));
                    if (b.address() == f.address()) {
                        first = line;
                    }
                }
            }
            if (first > 0) {
                sf.functions.add(new String[] {Integer.toString(first), f.name(),
                        Long.toUnsignedString(data.of(f).entryCount())});
            }
        }
        Map<String, SourceFile> files = new TreeMap<>();
        files.put(data.map().input(), sf);
        return files;
    }
}
