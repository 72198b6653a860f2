package org.ykrw.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.ykrw.core.Rewriter;
import org.ykrw.core.cfg.CfgBuilder;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;
import org.ykrw.core.layout.FunctionPlacement;
import org.ykrw.core.report.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ykrw functions BIN}: every function lifting found, with the address `cfg --function` and
 * `patch` take in a stripped binary, its size and blocks, and whether `rewrite`/`instrument` move it.
 */
@Command(name = "functions", description = "List BIN's functions: address, size, blocks, instructions, and whether"
        + " rewrite and instrument move it (or why it stays in place). Stripped functions are named fn_<hex>.")
final class FunctionsCommand implements Callable<Integer> {
    @Parameters(paramLabel = "BIN", description = "x86-64 ELF executable or shared library")
    Path input;

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    @Override
    public Integer call() {
        ElfFile elf = ElfFile.read(input);
        Program program = Inputs.withProgress(options -> CfgBuilder.lift(elf, options));
        List<FunctionPlacement> placements = Rewriter.placements(elf, program);
        System.out.print(json ? json(placements) : text(placements));
        return 0;
    }

    private static String text(List<FunctionPlacement> placements) {
        StringBuilder b = new StringBuilder(String.format("%-18s %8s %6s %7s  %-6s %s%n", "address", "bytes", "blocks",
                "insns", "moves", "name (why it stays)"));
        for (FunctionPlacement p : placements) {
            Function f = p.function();
            b.append(String.format("0x%-16x %8d %6d %7d  %-6s %s%s%n", f.entryAddress(), f.endAddress() - f.entryAddress(),
                    f.blocks().size(), f.instructionCount(), p.relocated() ? "yes" : "no", f.name(),
                    p.relocated() ? "" : " (" + p.reason() + ")"));
        }
        long moved = placements.stream().filter(FunctionPlacement::relocated).count();
        b.append(String.format("%d functions, %d move, %d stay in place%n", placements.size(), moved,
                placements.size() - moved));
        return b.toString();
    }

    private String json(List<FunctionPlacement> placements) {
        StringBuilder b = new StringBuilder("{\"binary\": ").append(Json.quote(input.toString())).append(", \"functions\": [");
        String sep = "\n  ";
        for (FunctionPlacement p : placements) {
            Function f = p.function();
            b.append(sep).append("{\"name\": ").append(Json.quote(f.name())).append(", \"address\": ")
                    .append(Json.address(f.entryAddress())).append(", \"bytes\": ").append(f.endAddress() - f.entryAddress())
                    .append(", \"blocks\": ").append(f.blocks().size()).append(", \"instructions\": ")
                    .append(f.instructionCount()).append(", \"moves\": ").append(p.relocated())
                    .append(", \"stays_because\": ").append(p.relocated() ? "null" : Json.quote(p.reason())).append('}');
            sep = ",\n  ";
        }
        return b.append("\n]}\n").toString();
    }
}
