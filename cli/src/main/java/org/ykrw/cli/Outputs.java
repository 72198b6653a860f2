package org.ykrw.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.ykrw.core.diag.YkrwException;
import org.ykrw.core.diag.PhaseTimer;
import org.ykrw.core.emit.OutputFile;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The input and output options of commands that write a new binary (a picocli mixin): IN, -o OUT,
 * -o - (standard output) or --in-place. Never writes IN by accident.
 */
final class Outputs {
    @Parameters(paramLabel = "IN", description = "x86-64 ELF executable or shared library")
    Path input;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT", converter = OutputPath.Converter.class, description = "Where to write the result (- for standard"
            + " output, not a terminal).")
    Path output;

    @Option(names = "--in-place", description = "Replace IN (written atomically; IN is never half-written)."
            + " The original is kept as IN.orig unless that file already exists.")
    boolean inPlace;

    /** Suffix of the copy --in-place keeps of the original. */
    static final String BACKUP_SUFFIX = ".orig";

    /**
     * Writes the result where the options say, atomically and with IN's permissions. With --in-place,
     * IN is first copied to IN.orig (itself written atomically), unless IN.orig exists: then it holds an
     * earlier original (a file patched in place, then enabled in place) and is worth more than IN.
     *
     * @param bytes the new file
     * @return where it was written
     */
    Path write(byte[] bytes) {
        Path out = destination();
        if (OutputPath.isStdout(out)) {
            OutputPath.writeStdout(bytes);
            return out;
        }
        if (inPlace) {
            Path backup = input.resolveSibling(input.getFileName() + BACKUP_SUFFIX);
            if (!Files.exists(backup)) {
                byte[] original;
                try {
                    original = Files.readAllBytes(input);
                } catch (IOException e) {
                    throw new YkrwException(input + ": cannot read: " + e.getMessage(), e);
                }
                OutputFile.writeAtomically(backup, original, input);
            }
        }
        OutputFile.writeAtomically(out, bytes, input);
        PhaseTimer.mark("write output");
        return out;
    }

    /** @return whether the result goes to standard output ({@code -o -}) */
    boolean toStdout() {
        return OutputPath.isStdout(output);
    }

    /** @return how messages name the output */
    String describe() {
        return OutputPath.describe(destination());
    }

    /** @return where to write */
    Path destination() {
        return destination(input, output, inPlace);
    }

    static Path destination(Path input, Path output, boolean inPlace) {
        if (inPlace && output != null) {
            throw new UsageException("give either -o OUT or --in-place, not both");
        }
        if (inPlace) {
            return input;
        }
        if (output == null) {
            throw new UsageException("no output file: give -o OUT (or --in-place)");
        }
        if (OutputPath.isStdout(output)) {
            OutputPath.refuseBinaryToTerminal("-o");
            return output;
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
