package org.ykrw.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.ykrw.core.Rewriter;
import org.ykrw.core.cfg.LiftOptions;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.passes.strip.StripPass;
import org.ykrw.passes.strip.StripTargets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ykrw strip IN -o OUT}: remove compiler-inserted tracing calls and their argument set-up. */
@Command(name = "strip", description = "Remove every call to the yk tracing functions (yk_trace_basicblock,"
        + " __yk_trace_basicblock, __yk_trace_basicblock_wrapper, or those given with --fn), the argument"
        + " set-up that only fed them and the tests that guarded them, by NOPs.")
final class StripCommand implements Callable<Integer> {
    @Mixin
    Outputs files;

    @Option(names = "--fn", paramLabel = "NAME", description = "Strip calls to NAME instead of the yk tracing"
            + " functions (repeatable), e.g. __sanitizer_cov_trace_pc.")
    List<String> functions = new ArrayList<>();

    @Override
    public Integer call() {
        Path out = files.destination();
        ElfFile elf = ElfFile.read(files.input);
        List<String> names = functions.isEmpty() ? StripPass.YK_TRACE_FUNCTIONS : functions;
        StripPass strip = new StripPass(StripTargets.of(elf, names));
        Rewriter.Result r = Rewriter.rewriteInPlace(elf, LiftOptions.defaults(), List.of(strip));
        files.write(r.output());
        System.err.printf("ykrw: removed %d call sites, %d argument instructions and %d guarding tests -> %s%n",
                strip.callSites(), strip.argumentInstructions(), strip.guards(), out);
        return 0;
    }
}
