package org.ykrw.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.ykrw.core.ir.Program;
import org.ykrw.core.report.StatsReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ykrw stats BIN}: what lifting found, the static counterpart of DynamoRIO's bbsize sample. */
@Command(name = "stats", description = "Lift BIN and print functions, blocks, instructions, average block size,"
        + " jump tables and unresolved indirect jumps.")
final class StatsCommand implements Callable<Integer> {
    @Parameters(paramLabel = "BIN", description = "x86-64 ELF executable or shared library")
    Path input;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Override
    public Integer call() {
        Program p = Inputs.lift(input);
        System.out.print(json ? StatsReport.json(input.toString(), p.stats()) : StatsReport.text(input.toString(), p.stats()));
        return 0;
    }
}
