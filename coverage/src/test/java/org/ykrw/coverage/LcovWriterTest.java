package org.ykrw.coverage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ykrw.core.blockmap.BlockMap;
import org.ykrw.core.blockmap.BlockMap.MappedBlock;
import org.ykrw.core.dwarf.LineTable;
import org.ykrw.core.dwarf.LineTableReader;
import org.ykrw.core.testutil.Tools;

/**
 * lcov tracefiles from synthetic coverage of the fixture built with -g: the DA lines of the
 * blocks marked covered, FN/FNDA per function, and genhtml (lcov's own reader) accepting the file.
 */
class LcovWriterTest {
    @TempDir
    static Path dir;

    static Fixture fx;
    static LineTable lines;

    @BeforeAll
    static void build() {
        fx = Fixture.build(dir, "gcc", "-O0", "-g");
        lines = LineTableReader.read(fx.elf());
    }

    /** main and classify ran, sum_to and never_called did not. */
    private static CoverageData coverage() {
        long[] counts = new long[fx.map().probeSlots()];
        for (String name : List.of("main", "classify")) {
            for (MappedBlock b : fx.function(name).blocks()) {
                counts[b.probe()] = 1;
            }
        }
        return CoverageData.of(fx.map(), counts, false);
    }

    private static List<String> records(String info, String prefix) {
        List<String> out = new ArrayList<>();
        for (String l : info.split("\n")) {
            if (l.startsWith(prefix)) {
                out.add(l.substring(prefix.length()));
            }
        }
        return out;
    }

    @Test
    void linesAndFunctionsOfTheSource() {
        String info = LcovWriter.write(coverage(), lines, "t", dir.resolve("unused"), null).info();
        assertEquals(List.of(Fixture.SOURCE.toString()), records(info, "SF:"));
        assertEquals(Set.of("6,classify", "14,sum_to", "21,never_called", "25,main"), new TreeSet<>(records(info, "FN:")));
        assertEquals(Set.of("1,classify", "0,sum_to", "0,never_called", "1,main"), new TreeSet<>(records(info, "FNDA:")));
        Set<Integer> covered = new TreeSet<>();
        Set<Integer> notCovered = new TreeSet<>();
        for (String da : records(info, "DA:")) {
            String[] f = da.split(",");
            (f[1].equals("0") ? notCovered : covered).add(Integer.parseInt(f[0]));
        }
        // Synthetic: all of classify's (6-12) and main's (25-31) blocks ran, so each of their lines with a row is
        // covered, the call to never_called on line 29 included; sum_to's (14-19) and never_called's (21-23) are not.
        assertEquals(Set.of(6, 7, 8, 9, 10, 11, 12, 25, 26, 27, 28, 29, 30, 31), covered);
        assertEquals(Set.of(14, 15, 16, 17, 18, 19, 21, 22, 23), notCovered);
        assertEquals(List.of("14"), records(info, "LH:"));
    }

    @Test
    void genhtmlAcceptsIt() throws Exception {
        Path info = dir.resolve("cov.info");
        Files.writeString(info, LcovWriter.write(coverage(), lines, "branches", dir.resolve("unused"), null).info());
        Path out = dir.resolve("html");
        Tools.Result r = Tools.run(List.of("genhtml", "-q", "-o", out.toString(), info.toString()), 120);
        assertEquals(0, r.exit(), r.stdout() + r.stderr());
        assertTrue(Files.exists(out.resolve("index.html")));
        // lcov's own summary reads the same totals back
        String summary = Tools.output("lcov", "--summary", info.toString());
        assertTrue(summary.contains("lines......: 60.9% (14 of 23 lines)"), summary);
        assertTrue(summary.contains("functions..: 50.0% (2 of 4 functions)"), summary);
    }

    /**
     * Issue 16: without DWARF lines the records name one pseudo-source per function (absolute paths
     * in the directory given), which genhtml renders as they are, run from that directory or any other.
     */
    @Test
    void blockLevelWithoutDebugLinesNamesPseudoSourcesGenhtmlReads() throws Exception {
        Path srcDir = dir.resolve("blocks.info.src");
        LcovWriter.Report report;
        try (BlockDisassembler d = new BlockDisassembler(fx.elf(), fx.map())) {
            report = LcovWriter.write(coverage(), null, "t", srcDir, d::lines);
        }
        String info = report.info();
        List<String> sf = records(info, "SF:");
        assertEquals(coverage().functions().size(), sf.size(), "one source per probed function");
        assertEquals(sf.stream().sorted().toList(), report.sources().keySet().stream().map(Path::toString).toList());
        for (String f : sf) {
            assertTrue(Path.of(f).isAbsolute() && Path.of(f).getParent().equals(srcDir.toAbsolutePath()), f);
        }
        assertEquals(fx.map().probedBlocks(), records(info, "DA:").size());
        assertEquals(coverage().coveredBlocks(),
                records(info, "LH:").stream().mapToInt(Integer::parseInt).sum());
        // main's pseudo-source: its block k on line 2 + k, with its code
        Path mainSource = report.sources().keySet().stream().filter(p -> p.toString().endsWith("-main.s"))
                .findFirst().orElseThrow();
        List<String> text = report.sources().get(mainSource).lines().toList();
        BlockMap.MappedFunction main = fx.function("main");
        assertEquals(main.blocks().size() + 1, text.size());
        assertTrue(text.get(1).startsWith(String.format("0x%x  block 0, ", main.address())) && text.get(1).contains(":  "),
                text.get(1));

        Files.createDirectories(srcDir);
        for (var e : report.sources().entrySet()) {
            Files.writeString(e.getKey(), e.getValue());
        }
        Path file = dir.resolve("blocks.info");
        Files.writeString(file, info);
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        for (Path cwd : List.of(dir, elsewhere)) {
            Path html = dir.resolve("blocks-html-" + cwd.getFileName());
            Tools.Result r = Tools.run(List.of("env", "-C", cwd.toString(), "genhtml", "-o", html.toString(),
                    file.toString()), 120);
            assertEquals(0, r.exit(), r.stdout() + r.stderr());
            assertFalse(r.stderr().contains("WARNING") || r.stderr().contains("ERROR"), r.stderr());
            assertTrue(Files.exists(html.resolve("index.html")));
        }
    }
}
