package org.ykrw.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.ykrw.core.diag.YkrwException;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;
import org.ykrw.core.report.CfgRenderer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ykrw cfg BIN --function F}: one function's control-flow graph as text, dot, JSON or SVG. */
@Command(name = "cfg", description = "Print the CFG of one function of BIN.")
final class CfgCommand implements Callable<Integer> {
    /** Output formats. */
    enum Format { text, dot, json, svg }

    @Parameters(paramLabel = "BIN", description = "x86-64 ELF executable or shared library")
    Path input;

    @Option(names = "--function", required = true, paramLabel = "NAME|ADDRESS",
            description = "Function name, or its entry address (0x...).")
    String function;

    @Option(names = "--format", defaultValue = "text", description = "text, dot, json or svg (svg needs Graphviz).")
    Format format;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", converter = OutputPath.Converter.class, description = "Write to FILE instead of stdout (written whole or not at all).")
    Path output;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Program p = Inputs.lift(input);
        Function f = find(p);
        String out = switch (format) {
            case text -> CfgRenderer.text(f, p);
            case dot -> CfgRenderer.dot(f, p);
            case json -> CfgRenderer.json(f);
            case svg -> svg(CfgRenderer.dot(f, p));
        };
        ReportOutput.write(output, out.getBytes(StandardCharsets.UTF_8));
        return 0;
    }

    private Function find(Program p) {
        if (function.startsWith("0x")) {
            long address;
            try {
                address = Long.parseUnsignedLong(function.substring(2), 16);
            } catch (NumberFormatException e) {
                throw new YkrwException("--function " + function + " is not a hex address");
            }
            Function f = p.functionAt(address);
            if (f == null) {
                f = p.functionContaining(address);
            }
            if (f == null) {
                throw new YkrwException(String.format("no function at 0x%x in %s", address, input));
            }
            return f;
        }
        return p.functionByName(function)
                .orElseThrow(() -> new YkrwException("no function named " + function + " in " + input
                        + " (stripped binaries name functions fn_<hex>; pass an address)"));
    }

    private static String svg(String dot) throws IOException, InterruptedException {
        Process proc;
        try {
            proc = new ProcessBuilder("dot", "-Tsvg").redirectErrorStream(false).start();
        } catch (IOException e) {
            throw new YkrwException("--format svg needs Graphviz: apt-get install graphviz");
        }
        proc.getOutputStream().write(dot.getBytes(StandardCharsets.UTF_8));
        proc.getOutputStream().close();
        byte[] svg = proc.getInputStream().readAllBytes();
        if (!proc.waitFor(120, TimeUnit.SECONDS) || proc.exitValue() != 0) {
            throw new YkrwException("Graphviz dot failed to render the CFG");
        }
        return new String(svg, StandardCharsets.UTF_8);
    }
}
