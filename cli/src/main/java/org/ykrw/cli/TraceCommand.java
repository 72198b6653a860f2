package org.ykrw.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ykrw trace ...}: commands that read the trace runs of binaries instrumented with --trace. */
@Command(name = "trace", description = "Read trace runs (ykrw-trace.<pid>.bin files).",
        subcommands = {TraceDumpCommand.class})
final class TraceCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command (try: ykrw trace dump FILE)");
    }
}
