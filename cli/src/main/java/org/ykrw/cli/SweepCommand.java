package org.ykrw.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.ykrw.cli.sweep.ProgramFinder;
import org.ykrw.cli.sweep.ProgramVerdict;
import org.ykrw.cli.sweep.SweepPass;
import org.ykrw.cli.sweep.SweepPasses;
import org.ykrw.cli.sweep.SweepReport;
import org.ykrw.cli.sweep.Sweeper;
import org.ykrw.core.RewriteOptions;
import org.ykrw.core.diag.YkrwException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ykrw sweep DIR...}: apply a pass to every x86-64 program in the directories and compare each
 * original with its transformed copy on {@code --version} and {@code --help}.
 */
@Command(name = "sweep", description = "Apply a pass to every x86-64 ELF program in DIR... (scripts, shared libraries"
        + " and other architectures are skipped), run original and result with --version and --help, and print"
        + " a table and a summary. Exit status 1 when a result differs, crashes or ykrw fails.")
final class SweepCommand implements Callable<Integer> {
    /** Exit status when some transformed program misbehaves (the sweep itself worked). */
    static final int EXIT_FOUND_PROBLEMS = 1;

    @Parameters(paramLabel = "DIR", arity = "1..*", description = "Directories to search (not recursive).")
    List<Path> dirs;

    @Option(names = "--jobs", paramLabel = "N", description = "Programs handled at once (default: all cores).")
    Integer jobs;

    @Option(names = "--pass", defaultValue = "rewrite", paramLabel = "PASS",
            description = "What to apply: rewrite (default), trace (instrument --trace) or coverage (instrument --coverage).")
    String passName;

    @Option(names = "--strict", description = "Apply the pass in strict mode (old code filled with int3): a"
            + " control transfer the analysis missed makes the program crash (SIGTRAP) instead of passing.")
    boolean strict;

    @Option(names = "--timeout", defaultValue = "10", paramLabel = "S",
            description = "Seconds one run of a program may take (default 10).")
    int timeoutSeconds;

    @Option(names = "--pass-timeout", defaultValue = "600", paramLabel = "S",
            description = "Seconds the pass may take on one program (default 600).")
    int passTimeoutSeconds;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (!SweepPasses.NAMES.contains(passName)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--pass " + passName
                    + " is unknown (one of " + String.join(", ", SweepPasses.NAMES) + ")");
        }
        SweepPass pass = SweepPasses.byName(passName, RewriteOptions.defaults().withStrict(strict)).orElseThrow();
        int n = jobs != null ? jobs : Runtime.getRuntime().availableProcessors();
        if (n < 1 || timeoutSeconds < 1 || passTimeoutSeconds < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--jobs, --timeout and --pass-timeout must be at least 1");
        }
        ProgramFinder.Found found = ProgramFinder.find(dirs);
        if (found.programs().isEmpty()) {
            Main.warn("no x86-64 ELF program in " + dirs.stream().map(Path::toString).collect(java.util.stream.Collectors.joining(", "))
                    + " (sweep does not look into subdirectories)");
        }
        Path scratch;
        try {
            scratch = Files.createTempDirectory("ykrw-sweep");
        } catch (IOException e) {
            throw new YkrwException("cannot create a scratch directory: " + e.getMessage(), e);
        }
        List<ProgramVerdict> verdicts;
        try {
            verdicts = new Sweeper(pass, n, Duration.ofSeconds(timeoutSeconds), Duration.ofSeconds(passTimeoutSeconds),
                    scratch).sweep(found.programs(), System.err);
        } finally {
            Sweeper.deleteTree(scratch);
        }
        SweepReport report = new SweepReport(pass.name(), verdicts, found.skipped());
        report.printTable(System.out);
        System.out.println();
        report.printReasons(System.out);
        System.out.println(report.summary());
        return report.clean() ? 0 : EXIT_FOUND_PROBLEMS;
    }
}
