package org.ykrw.coverage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.ykrw.core.blockmap.BlockMap;
import org.ykrw.core.blockmap.BlockMap.MappedBlock;
import org.ykrw.core.blockmap.BlockMap.MappedFunction;
import org.ykrw.coverage.CoverageData.FunctionCoverage;
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
 * <p>Without one, there is no source to point at, and genhtml refuses a tracefile whose sources it
 * cannot read. So the report comes with pseudo-sources: one file per function, written in a
 * directory beside the tracefile and named by absolute path (genhtml finds them from any directory),
 * whose line 2 + k is the function's block k (its address, size and instructions); the records are
 * per block on those lines.
 */
public final class LcovWriter {
    /** Line of block 0 in a pseudo-source: line 1 says what the file is. */
    static final int FIRST_BLOCK_LINE = 2;
    /** Longest file name part taken from a function name (C++ names run to kilobytes). */
    private static final int MAX_NAME = 80;
    /** Longest instruction text on one pseudo-source line. */
    private static final int MAX_CODE = 240;

    /**
     * A tracefile and the files it names that do not exist yet.
     *
     * @param info the tracefile's text
     * @param sources pseudo-sources to write (absolute path -> text), empty with DWARF lines
     */
    public record Report(String info, Map<Path, String> sources) {
    }

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
     * @param sourceDir where the pseudo-sources of block-level records go (made absolute)
     * @param code a block's instructions as {@code address: text} lines, or null when the binary is not at hand
     * @return the tracefile and the pseudo-sources to write with it
     */
    public static Report write(CoverageData data, LineTable lines, String testName, Path sourceDir,
            Function<MappedBlock, List<String>> code) {
        if (lines != null && !lines.isEmpty()) {
            return new Report(tracefile(byLine(data, lines), testName), Map.of());
        }
        Map<Path, String> sources = new TreeMap<>();
        Map<String, SourceFile> files = byBlock(data, sourceDir.toAbsolutePath().normalize(), code, sources);
        return new Report(tracefile(files, testName), sources);
    }

    private static String tracefile(Map<String, SourceFile> files, String testName) {
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
            if (block == null || !block.isMeasured()) {
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

    private static Map<String, SourceFile> byBlock(CoverageData data, Path dir,
            Function<MappedBlock, List<String>> code, Map<Path, String> sources) {
        Map<String, SourceFile> files = new TreeMap<>();
        for (FunctionCoverage fc : data.functions()) {
            MappedFunction f = fc.function();
            SourceFile sf = new SourceFile();
            StringBuilder text = new StringBuilder();
            text.append(String.format("# %s at 0x%x in %s: line %d + k is block k (ykrw coverage report --format lcov)%n",
                    f.name(), f.address(), data.map().input(), FIRST_BLOCK_LINE));
            for (MappedBlock b : f.blocks()) {
                int line = FIRST_BLOCK_LINE + b.index();
                text.append(String.format("0x%x  block %d, %d bytes%s", b.address(), b.index(), b.size(),
                        b.isMeasured() ? "" : ", no probe"));
                String insns = code == null ? "" : instructions(code.apply(b));
                text.append(insns.isEmpty() ? "" : ":  " + insns).append('\n');
                if (b.isMeasured()) {
                    sf.lines.put(line, data.count(b));
                    if (b.address() == f.address()) {
                        sf.functions.add(new String[] {Integer.toString(line), f.name(),
                                Long.toUnsignedString(fc.entryCount())});
                    }
                }
            }
            Path file = dir.resolve(fileName(f));
            sources.put(file, text.toString());
            files.put(file.toString(), sf);
        }
        return files;
    }

    /** @return the instructions of one block on one line, without their addresses */
    private static String instructions(List<String> lines) {
        StringBuilder b = new StringBuilder();
        for (String l : lines) {
            int colon = l.indexOf(": ");
            b.append(b.length() == 0 ? "" : "; ").append(colon < 0 ? l : l.substring(colon + 2));
            if (b.length() > MAX_CODE) {
                return b.substring(0, MAX_CODE) + " ...";
            }
        }
        return b.toString();
    }

    /** @return a file name for f's pseudo-source: unique by index, readable by name, safe in any directory */
    static String fileName(MappedFunction f) {
        String name = f.name().replaceAll("[^A-Za-z0-9_.+-]", "_");
        if (name.length() > MAX_NAME) {
            name = name.substring(0, MAX_NAME);
        }
        return String.format("%05d-%s.s", f.index(), name);
    }
}
