package org.ykrw.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.ykrw.core.cfg.CfgBuilder;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.ir.Program;
import org.ykrw.passes.strip.CallStripper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ykrw strip IN -o OUT}: remove compiler-inserted tracing calls and their argument set-up. */
@Command(name = "strip", description = "Replace every call to the yk tracing functions (yk_trace_basicblock,"
        + " __yk_trace_basicblock, __yk_trace_basicblock_wrapper, or those given with --fn), and the argument"
        + " set-up that only fed them, by NOPs.")
final class StripCommand implements Callable<Integer> {
    @Mixin
    Outputs files;

    @Mixin
    VerifyOption verify;

    @Option(names = "--fn", paramLabel = "NAME", description = "Strip calls to NAME instead of the yk tracing"
            + " functions (repeatable), e.g. __sanitizer_cov_trace_pc.")
    List<String> functions = new ArrayList<>();

    @Override
    public Integer call() {
        files.destination();
        ElfFile elf = ElfFile.read(files.input);
        List<String> names = functions.isEmpty() ? CallStripper.YK_TRACE_FUNCTIONS : functions;
        Program program = Inputs.withProgress(options -> CfgBuilder.lift(elf, options));
        verify.checkLifted(program);
        CallStripper.Result r = CallStripper.find(elf, program, names);
        files.write(CallStripper.apply(elf, r));
        if (r.callSites() == 0) {
            Main.warn("no call to " + String.join(", ", names) + " in " + files.input + ": the output is a copy of it"
                    + (functions.isEmpty() ? " (--fn NAME strips calls to another function)" : ""));
        }
        System.err.printf("ykrw: removed %d call sites, %d argument instructions and %d guarding tests -> %s%n",
                r.callSites(), r.argumentInstructions(), r.guards(), files.describe());
        return 0;
    }
}
