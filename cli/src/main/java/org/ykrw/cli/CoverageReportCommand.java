package org.ykrw.cli;

import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.ykrw.coverage.BlockDisassembler;
import org.ykrw.core.blockmap.BlockMap;
import org.ykrw.coverage.CoverageData;
import org.ykrw.coverage.CoverageRun;
import org.ykrw.coverage.DrcovModule;
import org.ykrw.coverage.DrcovWriter;
import org.ykrw.coverage.ExecutionProfile;
import org.ykrw.coverage.HtmlCoverageWriter;
import org.ykrw.coverage.JsonCoverageWriter;
import org.ykrw.coverage.LcovWriter;
import org.ykrw.coverage.StartupCode;
import org.ykrw.coverage.TextCoverageWriter;
import org.ykrw.core.cfg.ProgressListener;
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
    enum Format { text, drcov, lcov, html, json }

    @Parameters(paramLabel = "RUN", arity = "1..*", description = ".ykcov files written by an instrumented binary")
    List<Path> runs;

    @Option(names = "--binary", paramLabel = "BIN",
            description = "The instrumented binary (its .ykrw.map), or the original when --map is given.")
    Path binary;

    @Option(names = "--map", paramLabel = "FILE.json", description = "The block map written by instrument --map.")
    Path map;

    @Option(names = "--merge", description = "Add up several runs of one binary (counts add, coverage ORs).")
    boolean merge;

    @Option(names = "--format", defaultValue = "text", description = "text, drcov, lcov, html or json (default: text).")
    Format format;

    @Option(names = "--hottest", defaultValue = "20", paramLabel = "N",
            description = "Hottest blocks listed by the text report of a count run (default: 20).")
    int hottest;

    @Option(names = "--include-startup", description = "Count the C start-up code (_start, _init, _fini, frame_dummy,"
            + " the tm_clones functions, __do_global_dtors_aux) in summaries; like gcov, they are left out by default.")
    boolean includeStartup;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT", converter = OutputPath.Converter.class, description = "Write to OUT instead of stdout (- is stdout too).")
    Path output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (OutputPath.isStdout(output)) {
            output = null;
        }
        if (runs.size() > 1 && !merge) {
            throw new CommandLine.ParameterException(spec.commandLine(), runs.size()
                    + " runs given: add --merge to add them up into one report");
        }
        // 1. Read every run first: a truncated file fails before any map is looked for. Many runs of a
        // large program take a while: a bar on a terminal counts them (and stays while they are added up).
        List<CoverageRun> read = new ArrayList<>();
        ProgressListener progress = runs.size() > 1 ? TerminalProgress.open() : ProgressListener.NONE;
        RunInputs in;
        CoverageData data;
        try {
            for (Path p : runs) {
                progress.progress("reading runs", read.size(), runs.size());
                read.add(CoverageRun.read(p));
            }
            progress.progress("reading runs", read.size(), runs.size());
            CoverageRun first = read.get(0);
            // 2. The map and binary, then the merged counts (each run checked against the map).
            in = RunInputs.locate(map, binary, first.executable(), first.mapId(), first.file());
            data = CoverageData.merge(in.map(), in.mapName(), read);
        } finally {
            TerminalProgress.close(progress);
        }
        CoverageRun first = read.get(0);
        if (spec.commandLine().getParseResult().hasMatchedOption("--hottest") && (format != Format.text || !data.hasCounts())) {
            Main.warn("--hottest lists the hottest blocks of count runs (instrument --counts) in the text report;"
                    + (data.hasCounts() ? " this is a " + format + " report" : " these runs hold coverage, not counts"));
        }
        if (!includeStartup) {
            data = data.excluding(StartupCode.of(in.map(), in.binary()));
        }
        // 3. The report.
        byte[] out = switch (format) {
            case text -> utf8(TextCoverageWriter.write(data, hottest, profile(in, data)));
            case json -> utf8(JsonCoverageWriter.write(data, profile(in, data)));
            case drcov -> DrcovWriter.write(data, module(in, first));
            case lcov -> utf8(lcov(in, data));
            case html -> utf8(html(in, data));
        };
        ReportOutput.write(output, out);
        return 0;
    }

    /** @return the bbcount/bbsize figures of a count run (instructions decoded from the binary when at hand), or null */
    private static ExecutionProfile profile(RunInputs in, CoverageData data) {
        if (!data.hasCounts()) {
            return null;
        }
        if (in.binary() == null) {
            return ExecutionProfile.of(data, b -> ExecutionProfile.UNKNOWN);
        }
        try (BlockDisassembler d = new BlockDisassembler(in.binary(), in.map())) {
            return ExecutionProfile.of(data, b -> {
                int n = d.instructionCount(b);
                return n == 0 ? ExecutionProfile.UNKNOWN : n;
            });
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private DrcovModule module(RunInputs in, CoverageRun run) {
        if (in.binary() == null) {
            throw new YkrwException("drcov needs the binary's load addresses: give --binary BIN");
        }
        // The file whose addresses the run recorded, as given or as the runtime recorded it: Lighthouse
        // and bncov open or match that file. (Joining its directory with the original input's name
        // named nothing when the instrumented copy has another name.)
        String path = binary != null ? binary.toAbsolutePath().normalize().toString() : run.executable();
        return DrcovModule.of(in.binary(), path, run.loadBias());
    }

    /**
     * The tracefile, and without DWARF lines its pseudo-sources: beside {@code -o FILE} in
     * {@code FILE.src/}, or for standard output in {@code ./INPUT.lcov-src/} (said on stderr, since
     * nothing asked for files there).
     */
    private String lcov(RunInputs in, CoverageData data) {
        Path dir = output != null ? Path.of(output + ".src") : Path.of(in.map().input() + ".lcov-src");
        LcovWriter.Report report;
        if (in.binary() == null) {
            report = LcovWriter.write(data, null, testName(in.map()), dir, null);
        } else {
            try (BlockDisassembler d = new BlockDisassembler(in.binary(), in.map())) {
                report = LcovWriter.write(data, lines(in), testName(in.map()), dir, d::lines);
            }
        }
        if (!report.sources().isEmpty()) {
            try {
                Files.createDirectories(dir);
                for (Map.Entry<Path, String> e : report.sources().entrySet()) {
                    Files.writeString(e.getKey(), e.getValue());
                }
            } catch (IOException e) {
                throw new YkrwException("cannot write the lcov pseudo-sources in " + dir + ": " + e.getMessage());
            }
            if (output == null) {
                System.err.println("ykrw: no DWARF line table: the records name pseudo-sources (one per function)"
                        + " written in " + dir.toAbsolutePath().normalize());
            }
        }
        return report.info();
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
        try (BlockDisassembler d = new BlockDisassembler(in.binary(), in.map())) {
            return HtmlCoverageWriter.write(data, d::lines, in.map().input());
        }
    }
}
