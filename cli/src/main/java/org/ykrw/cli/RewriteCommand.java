package org.ykrw.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.ykrw.core.RewriteOptions;
import org.ykrw.core.Rewriter;
import org.ykrw.core.elf.ElfFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ykrw rewrite IN -o OUT}: the null rewrite, relocated code and fixed references, no pass. */
@Command(name = "rewrite", description = "Relocate IN's functions into a new code segment and fix references"
        + " (no instrumentation): branches, jump tables, unwind information, LSDAs and symbols of the moved"
        + " code are rewritten; the old code stays mapped.")
final class RewriteCommand implements Callable<Integer> {
    @Mixin
    Outputs files;

    @Mixin
    VerifyOption verify;

    @Option(names = "--report", description = "List every function left in place, with the reason.")
    boolean report;

    @Option(names = "--strict", description = "Fill the old code of moved functions with int3 (all but their"
            + " entry jumps and what must stay reachable), so control the analysis missed traps (SIGTRAP)"
            + " instead of running the old code.")
    boolean strict;

    @Override
    public Integer call() {
        files.destination();
        if (report && files.toStdout()) {
            throw new UsageException("--report prints to standard output, which -o - takes for the binary");
        }
        ElfFile elf = RewriteInput.read(files.input);
        Rewriter.Result r = Inputs.withProgress(options -> Rewriter.rewrite(elf, options, List.of(),
                verify.applyTo(RewriteOptions.defaults().withStrict(strict))));
        files.write(r.output());
        if (report) {
            LeftInPlace.list(r.placements());
        }
        System.err.printf("ykrw: relocated %d of %d functions, retargeted %d jump tables (%d kept) -> %s%n",
                r.relocated(), r.placements().size(), r.tablesRetargeted(), r.tablesKept(), files.describe());
        LeftInPlace.summarise(r.placements());
        System.err.printf("ykrw:   %s%n", r.unwind());
        if (r.strict() != null) {
            System.err.printf("ykrw:   %s%n", r.strict().summary());
        }
        r.passNotes().forEach(line -> System.err.println("ykrw: " + line));
        return 0;
    }
}
