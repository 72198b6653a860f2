package org.ykrw.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ykrw coverage ...}: commands that read the runs of binaries instrumented for coverage. */
@Command(name = "coverage", description = "Read coverage runs (.ykcov files).",
        subcommands = {CoverageReportCommand.class})
final class CoverageCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command (try: ykrw coverage report RUN)");
    }
}
