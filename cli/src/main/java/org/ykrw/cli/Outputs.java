package org.ykrw.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.ykrw.core.diag.YkrwException;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The input and output options of commands that write a new binary (a picocli mixin): IN, -o OUT or
 * --in-place. Never writes IN by accident.
 */
final class Outputs {
    @Parameters(paramLabel = "IN", description = "x86-64 ELF executable or shared library")
    Path input;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT", description = "Where to write the result.")
    Path output;

    @Option(names = "--in-place", description = "Replace IN (written atomically; IN is never half-written).")
    boolean inPlace;

    /** @return where to write */
    Path destination() {
        return destination(input, output, inPlace);
    }

    static Path destination(Path input, Path output, boolean inPlace) {
        if (inPlace && output != null) {
            throw new YkrwException("give either -o OUT or --in-place, not both");
        }
        if (inPlace) {
            return input;
        }
        if (output == null) {
            throw new YkrwException("no output file: give -o OUT (or --in-place)");
        }
        try {
            if (Files.exists(output) && Files.exists(input) && Files.isSameFile(input, output)) {
                throw new YkrwException(output + " is the input file; use --in-place to replace it");
            }
        } catch (IOException e) {
            throw new YkrwException(output + ": " + e.getMessage());
        }
        return output;
    }
}
