package org.ykrw.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.ykrw.core.coverage.BlockDisassembler;
import org.ykrw.core.coverage.BlockMap;
import org.ykrw.core.coverage.CoverageData;
import org.ykrw.core.coverage.CoverageRun;
import org.ykrw.core.coverage.DrcovModule;
import org.ykrw.core.coverage.DrcovWriter;
import org.ykrw.core.coverage.HtmlCoverageWriter;
import org.ykrw.core.coverage.LcovWriter;
import org.ykrw.core.coverage.TextCoverageWriter;
import org.ykrw.core.diag.YkrwException;
import org.ykrw.core.dwarf.LineTable;
import org.ykrw.core.dwarf.LineTableReader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ykrw coverage report RUN...}: one report from one run, or from several runs of one binary
 * added up ({@code --merge}), as text, drcov, lcov or a self-contained HTML page.
 */
@Command(name = "report", description = "Report the coverage recorded in RUN (.ykcov files).")
final class CoverageReportCommand implements Callable<Integer> {
    /** Report formats. */
    enum Format { text, drcov, lcov, html }

    @Parameters(paramLabel = "RUN", arity = "1..*", description = ".ykcov files written by an instrumented binary")
    List<Path> runs;

    @Option(names = "--binary", paramLabel = "BIN",
            description = "The instrumented binary (its .ykrw.map), or the original when --map is given.")
    Path binary;

    @Option(names = "--map", paramLabel = "FILE.json", description = "The block map written by instrument --map.")
    Path map;

    @Option(names = "--merge", description = "Add up several runs of one binary (counts add, coverage ORs).")
    boolean merge;

    @Option(names = "--format", defaultValue = "text", description = "text, drcov, lcov or html (default: text).")
    Format format;

    @Option(names = "--hottest", defaultValue = "20", paramLabel = "N",
            description = "Hottest blocks listed by the text report of a count run (default: 20).")
    int hottest;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT", description = "Write to OUT instead of stdout.")
    Path output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (runs.size() > 1 && !merge) {
            throw new CommandLine.ParameterException(spec.commandLine(), runs.size()
                    + " runs given: add --merge to add them up into one report");
        }
        // 1. Read every run first: a truncated file fails before any map is looked for.
        List<CoverageRun> read = new ArrayList<>();
        for (Path p : runs) {
            read.add(CoverageRun.read(p));
        }
        CoverageRun first = read.get(0);
        // 2. The map and binary, then the merged counts (each run checked against the map).
        RunInputs in = RunInputs.locate(map, binary, first.executable(), first.mapId(), first.file());
        CoverageData data = CoverageData.merge(in.map(), in.mapName(), read);
        // 3. The report.
        byte[] out = switch (format) {
            case text -> utf8(TextCoverageWriter.write(data, hottest));
            case drcov -> DrcovWriter.write(data, module(in, first));
            case lcov -> utf8(LcovWriter.write(data, lines(in), testName(in.map())));
            case html -> utf8(html(in, data));
        };
        ReportOutput.write(output, out);
        return 0;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private DrcovModule module(RunInputs in, CoverageRun run) {
        if (in.binary() == null) {
            throw new YkrwException("drcov needs the binary's load addresses: give --binary BIN");
        }
        // Tools match the module by file name against the binary users load: the original input.
        String path = binary != null ? binary.toAbsolutePath().toString() : run.executable();
        Path named = Path.of(path).resolveSibling(in.map().input());
        return DrcovModule.of(in.binary(), named.toString(), run.loadBias());
    }

    private static LineTable lines(RunInputs in) {
        return in.binary() == null ? null : LineTableReader.read(in.binary());
    }

    private static String testName(BlockMap map) {
        String t = map.input().replaceAll("[^A-Za-z0-9_]", "_");
        return t.isEmpty() ? "ykrw" : t;
    }

    private static String html(RunInputs in, CoverageData data) {
        if (in.binary() == null) {
            return HtmlCoverageWriter.write(data, null, in.map().input());
        }
        try (BlockDisassembler d = new BlockDisassembler(in.binary())) {
            return HtmlCoverageWriter.write(data, d::lines, in.map().input());
        }
    }
}
