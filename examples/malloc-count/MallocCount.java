import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ykrw.core.Rewriter;
import org.ykrw.core.cfg.LiftOptions;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;
import org.ykrw.core.pass.Pass;
import org.ykrw.core.pass.PassInput;
import org.ykrw.core.pass.PassRequests;
import org.ykrw.core.x86.FlowKind;
import org.ykrw.core.x86.Insn;
import org.ykrw.coverage.CoverageRun;
import org.ykrw.passes.instrument.CounterFile;

/**
 * ykrw as a library: lifts a program, counts its calls to malloc per function with a probe of its
 * own before each {@code call malloc@plt}, writes the output, runs it and prints the counts.
 * Usage: java -cp cli/target/ykrw.jar MallocCount.java INPUT OUTPUT
 */
public class MallocCount implements Pass {
    private final List<String> callers = new ArrayList<>();  // counter k counts the calls in callers[k]

    @Override
    public String name() {
        return "malloc-count";
    }

    @Override
    public void run(PassInput input, PassRequests requests) {
        for (Function f : input.program().functions()) {
            for (Block b : input.isRelocated(f) ? f.blocks() : List.<Block>of()) {  // only moved code gets probes
                for (int i = 0; i < b.instructionCount(); i++) {
                    Insn insn = b.instruction(i);
                    Function callee = insn.flow() == FlowKind.CALL ? input.program().functionAt(insn.target()) : null;
                    if (callee != null && callee.name().equals("malloc@plt")) {
                        if (!callers.contains(f.name())) {
                            callers.add(f.name());
                        }
                        b.insertBefore(i, CounterFile.increment(callers.indexOf(f.name())));
                    }
                }
            }
        }
        CounterFile.embed(input, requests, callers.size());  // the embedded runtime keeps the counters in a .ykcov file
    }

    public static void main(String[] args) throws Exception {
        MallocCount pass = new MallocCount();
        Rewriter.Result result = Rewriter.rewrite(ElfFile.read(Path.of(args[0])), LiftOptions.defaults(), List.of(pass));
        Path output = Path.of(args[1]).toAbsolutePath();
        Files.write(output, result.output());
        output.toFile().setExecutable(true);
        Path runDir = Files.createTempDirectory("malloc-count");
        ProcessBuilder program = new ProcessBuilder(output.toString()).inheritIO();
        program.environment().put("YKRW_COVERAGE_DIR", runDir.toString());
        if (program.start().waitFor() != 0) {
            throw new IllegalStateException(output + " failed");
        }
        try (var files = Files.list(runDir)) {
            Path runFile = files.filter(f -> f.toString().endsWith(".ykcov")).findFirst().orElseThrow();
            CoverageRun run = CoverageRun.read(runFile);
            pass.callers.stream().sorted().forEach(caller ->
                    System.out.printf("malloc calls in %s: %d%n", caller, run.counter(pass.callers.indexOf(caller))));
            Files.delete(runFile);
        }
        Files.delete(runDir);
    }
}
