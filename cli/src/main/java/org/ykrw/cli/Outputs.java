package org.ykrw.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.ykrw.core.diag.YkrwException;

/** Where a command writes: -o OUT, or IN itself with --in-place; never IN by accident. */
final class Outputs {
    private Outputs() {
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
