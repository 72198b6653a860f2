package org.ykrw.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.ykrw.core.blockmap.BlockMap;
import org.ykrw.core.blockmap.BlockMap.MappedBlock;
import org.ykrw.core.blockmap.BlockMap.MappedFunction;
import org.ykrw.coverage.BlockMapReader;
import org.ykrw.coverage.TraceRun;
import org.ykrw.coverage.TraceTable;
import org.ykrw.core.diag.YkrwException;
import org.ykrw.core.diag.MapMismatchException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ykrw trace dump FILE}: the records of a trace run, one {@code fn bb name+0xoffset} line each
 * (just {@code fn bb} without a map); a summary with the number of dropped records goes to stderr,
 * so stdout stays one record per line. A run of the current recorder is read thread by thread, each
 * thread's records after a {@code # thread N} line, and needs the build that ran (its block map and
 * successor table: docs/FORMATS.md section 3).
 */
@Command(name = "dump", description = "Print the (function, block) records of a trace run.")
final class TraceDumpCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "ykrw-trace.<pid>.bin written by a --trace binary")
    Path file;

    @Option(names = "--map", paramLabel = "FILE.json", description = "The block map written by instrument --map.")
    Path map;

    @Option(names = "--binary", paramLabel = "BIN", description = "The instrumented binary (its .ykrw.map).")
    Path binary;

    @Option(names = "--limit", paramLabel = "N", description = "Print at most the first N records (of each thread).")
    Long limit;

    @Option(names = "--thread", paramLabel = "N", description = "Print only the records of thread N (no # line),"
            + " threads numbered from 0 in the order they first recorded.")
    Integer thread;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (limit != null && limit < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--limit must not be negative");
        }
        if (map != null && binary != null) {
            Main.warn("--binary is not read when --map is given: the map names the blocks");
        }
        if (thread != null && thread < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--thread must not be negative");
        }
        TraceRun run = TraceRun.open(file);
        if (run.isEncoded()) {
            return dumpEncoded(run);
        }
        BlockMap blockMap = null;
        String mapName = null;
        if (map != null || binary != null) {
            RunInputs in = RunInputs.locate(map, binary, run.executable(), run.mapId(), file.toString());
            blockMap = in.map();
            mapName = in.mapName();
            run.checkMatches(blockMap, mapName);
        } else if (!run.executable().isEmpty()) {
            // The run names the file that ran: its .ykrw.map names the blocks, when it is still that build.
            try {
                RunInputs in = RunInputs.locate(null, null, run.executable(), run.mapId(), file.toString());
                run.checkMatches(in.map(), in.mapName());
                blockMap = in.map();
                mapName = in.mapName();
            } catch (YkrwException e) {
                System.err.println("ykrw: " + e.getMessage() + " (records printed as fn bb)");
            }
        }
        BlockMap m = blockMap;
        String where = mapName;
        Writer out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16);
        try {
            run.forEachRecord(limit == null ? -1 : limit, (ordinal, fn, bb) -> {
                try {
                    out.write(line(m, where, ordinal, fn, bb));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long shown = limit == null ? run.recordCount() : Math.min(limit, run.recordCount());
        System.err.printf("%s: pid %d, %d records%s, %d dropped%s%n", file, run.pid(), run.recordCount(),
                shown < run.recordCount() ? " (first " + shown + " shown)" : "", run.dropped(),
                run.dropped() > 0 ? " (the trace outgrew its capacity of " + run.capacity()
                        + " records: instrument again with a larger --trace-capacity)" : "");
        return 0;
    }

    /** A run of the per-thread recorder: decoded against the build's table, named by its map. */
    private int dumpEncoded(TraceRun run) {
        RunInputs in = RunInputs.locate(map, binary, run.executable(), run.mapId(), file.toString());
        run.checkMatches(in.map(), in.mapName());
        if (in.binary() == null) {
            throw new YkrwException("the records of " + file + " are encoded against the successor table of the"
                    + " build that ran: give --binary BIN (the instrumented program)");
        }
        TraceTable table = TraceTable.fromElf(in.binary());
        BlockMap m = map != null ? in.map() : BlockMapReader.traceMapFromElf(in.binary());
        if (table.count() != m.probedBlocks()) {
            throw new MapMismatchException(file.toString(), in.mapName(), "the successor table has " + table.count()
                    + " probes, the map " + m.probedBlocks());
        }
        Writer out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16);
        long[] shown = {0};
        int[] current = {-1};
        try {
            run.forEachProbe(table, thread == null ? -1 : thread, limit == null ? -1 : limit, (t, ordinal, probe) -> {
                try {
                    if (t != current[0] && thread == null) {
                        out.write("# thread " + t + "\n");
                    }
                    current[0] = t;
                    MappedBlock b = m.blockOfProbe(probe);
                    if (b == null) {
                        throw new MapMismatchException(file.toString(), in.mapName(), "probe " + probe + " has no block in the map");
                    }
                    out.write(line(m, in.mapName(), ordinal, b.functionIndex(), b.index()));
                    shown[0]++;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.err.printf("%s: pid %d, %d threads, %d records%s, %d dropped%s%n", file, run.pid(), run.threads(),
                run.recordCount(), shown[0] < run.recordCount() ? " (" + shown[0] + " shown)" : "", run.dropped(),
                run.dropped() > 0 ? " (the file could not take them, or they were past --trace-capacity)" : "");
        return 0;
    }

    private String line(BlockMap m, String where, long ordinal, long fn, long bb) {
        if (m == null) {
            return fn + " " + bb + "\n";
        }
        List<MappedFunction> fns = m.functions();
        if (fn >= fns.size() || bb >= fns.get((int) fn).blocks().size()) {
            throw new MapMismatchException(file.toString(), where, "record " + ordinal + " is function " + fn
                    + " block " + bb + ", which the map does not have");
        }
        MappedFunction f = fns.get((int) fn);
        MappedBlock b = f.blocks().get((int) bb);
        return fn + " " + bb + " " + f.name() + "+0x" + Long.toHexString(b.address() - f.address()) + "\n";
    }
}
