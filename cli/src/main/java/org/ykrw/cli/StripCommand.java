package org.ykrw.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.ykrw.core.RewriteOptions;
import org.ykrw.core.Rewriter;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.passes.strip.StripPass;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ykrw strip IN -o OUT}: remove compiler-inserted tracing calls and their argument set-up. */
@Command(name = "strip", description = "Remove every call to the yk tracing functions (yk_trace_basicblock,"
        + " __yk_trace_basicblock, __yk_trace_basicblock_wrapper, or those given with --fn), the argument"
        + " set-up that only fed them and the tests that guarded them: by NOPs in place, or (--relocate) by"
        + " moving the functions and not emitting them.")
final class StripCommand implements Callable<Integer> {
    @Mixin
    Outputs files;

    @Mixin
    VerifyOption verify;

    @Option(names = "--fn", paramLabel = "NAME", description = "Strip calls to NAME instead of the yk tracing"
            + " functions (repeatable), e.g. __sanitizer_cov_trace_pc.")
    List<String> functions = new ArrayList<>();

    @Option(names = "--relocate", description = "Move the functions to a new code segment (as rewrite does) and"
            + " leave the removed instructions out instead of writing NOPs; functions that cannot move get NOPs.")
    boolean relocate;

    @Option(names = "--strict", description = "With --relocate: fill the old code of moved functions with int3,"
            + " as rewrite --strict does.")
    boolean strict;

    @Override
    public Integer call() {
        if (strict && !relocate) {
            throw new UsageException("--strict needs --relocate (in place, no code moves)");
        }
        files.destination();
        ElfFile elf = relocate ? RewriteInput.read(files.input) : ElfFile.read(files.input);
        List<String> names = functions.isEmpty() ? StripPass.YK_TRACE_FUNCTIONS : functions;
        StripPass strip = new StripPass(names);
        RewriteOptions options = verify.applyTo(RewriteOptions.defaults().withStrict(strict).withRetargetStayingCalls(true));
        Rewriter.Result r = relocate
                ? Inputs.withProgress(lift -> Rewriter.rewrite(elf, lift, List.of(strip), options))
                : Inputs.withProgress(lift -> Rewriter.rewriteInPlace(elf, lift, List.of(strip), options));
        files.write(r.output());
        if (strip.callSites() == 0) {
            Main.warn("no call to " + String.join(", ", names) + " in " + files.input + ": the output is a copy of it"
                    + (functions.isEmpty() ? " (--fn NAME strips calls to another function)" : ""));
        }
        System.err.printf("ykrw: removed %d call sites, %d argument instructions and %d guarding tests -> %s%n",
                strip.callSites(), strip.argumentInstructions(), strip.guards(), files.describe());
        if (relocate) {
            System.err.printf("ykrw:   relocated %d of %d functions%n", r.relocated(), r.placements().size());
            r.passNotes().forEach(line -> System.err.println("ykrw:   " + line));
            if (r.strict() != null) {
                System.err.printf("ykrw:   %s%n", r.strict().summary());
            }
        }
        return 0;
    }
}
