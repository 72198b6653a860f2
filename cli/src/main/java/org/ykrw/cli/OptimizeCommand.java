package org.ykrw.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.ykrw.core.Rewriter;
import org.ykrw.core.diag.YkrwException;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.coverage.CoverageData;
import org.ykrw.coverage.CoverageRun;
import org.ykrw.passes.optimize.BlockOrder;
import org.ykrw.passes.optimize.BlockProfile;
import org.ykrw.passes.optimize.OptimizePass;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ykrw optimize IN --profile RUN.ykcov... -o OUT}: profile-guided code layout. */
@Command(name = "optimize", description = "Rewrite IN with its code laid out from a profile: the hot path of each"
        + " function falls through, never-run blocks go to a cold region after all hot code, and hot functions sit beside their hottest"
        + " callers. The profile is one or more runs of `instrument --counts IN` (docs/OPTIMIZE.md).")
final class OptimizeCommand implements Callable<Integer> {
    @Mixin
    Outputs files;

    @Option(names = "--profile", paramLabel = "RUN.ykcov", required = true, arity = "1..*",
            description = "Run files of `instrument --counts IN` (several add up).")
    List<Path> profiles = new ArrayList<>();

    @Option(names = "--map", paramLabel = "FILE", description = "The block map of the counted build (its --map JSON,"
            + " or the instrumented binary), when the run files' recorded executable is gone.")
    Path map;

    @Option(names = "--block-order", paramLabel = "ORDER", defaultValue = "ext-tsp",
            description = "How each function's blocks are ordered: ext-tsp (the extended TSP score, as BOLT's"
                    + " -reorder-blocks=ext-tsp; the default) or greedy (heaviest edges first, Pettis and Hansen).")
    String blockOrder;

    @Option(names = "--no-split", description = "Keep each function's never-run blocks at its own end instead of"
            + " moving them to one cold region after all hot code (hot/cold splitting, the default).")
    boolean noSplit;

    @Option(names = "--unprofiled", paramLabel = "WHERE", defaultValue = "move", description = "Where the functions"
            + " that ran in no profile go: move (the default: after all that ran, in address order, their NOPs left"
            + " out) or stay (where they are, as the compiler laid them out).")
    String unprofiled;

    @Option(names = "--report", description = "List every function left in place, with the reason (functions"
            + " entered mostly through pointers, or that ran in no profile with --unprofiled stay, among them).")
    boolean report;

    @Option(names = "--strict", description = "Fill the old code of moved functions with int3, as rewrite --strict does.")
    boolean strict;

    @Option(names = "--keep-pointers", description = "Leave pointers to moved functions at their old entries, whose"
            + " jumps reach the new code (by default a position-independent input's pointers that can all be found"
            + " are pointed at the new entries, and the calls of functions left in place at the new code).")
    boolean keepPointers;

    @Override
    public Integer call() {
        Path out = files.destination();
        if (report && files.toStdout()) {
            throw new UsageException("--report prints to standard output, which -o - takes for the binary");
        }
        BlockOrder order;
        try {
            order = BlockOrder.of(blockOrder);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (!unprofiled.equals("move") && !unprofiled.equals("stay")) {
            throw new UsageException("--unprofiled: move or stay, not " + unprofiled);
        }
        ElfFile elf = RewriteInput.read(files.input);
        boolean pointersFollow = OptimizePass.pointersFollow(elf.isExecutable(), keepPointers);
        BlockProfile profile = profile();
        Rewriter.Result r = Inputs.withProgress(options -> Rewriter.rewrite(elf, options,
                List.of(new OptimizePass(profile, order, !noSplit, unprofiled.equals("move"), pointersFollow)),
                OptimizePass.rewriteOptions(strict, keepPointers)));
        files.write(r.output());
        r.passNotes().forEach(line -> System.err.println("ykrw: " + line));
        System.err.printf("ykrw: relocated %d of %d functions -> %s%n", r.relocated(), r.placements().size(), out);
        LeftInPlace.summarise(r.placements());
        if (report) {
            LeftInPlace.list(r.placements());
        }
        return 0;
    }

    /** @return the runs' counts by block address of the input they were instrumented from */
    private BlockProfile profile() {
        List<CoverageRun> runs = new ArrayList<>();
        for (Path p : profiles) {
            runs.add(CoverageRun.read(p));
        }
        CoverageRun first = runs.get(0);
        if (!first.hasCounts()) {
            throw new YkrwException(first.file() + ": a coverage run, not a count run: profile with `instrument --counts`");
        }
        RunInputs in = RunInputs.locate(map, null, first.executable(), first.mapId(), first.file());
        CoverageData data = CoverageData.merge(in.map(), in.mapName(), runs);
        return new BlockProfile(data.map().mapId(), data.countsByAddress());
    }
}
