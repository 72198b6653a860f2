package org.ykrw.testsuite;

import java.nio.file.Path;
import java.util.List;

/**
 * One compiled test program: which source, compiler, optimisation level and link mode.
 *
 * @param program source name without extension ("switch")
 * @param compiler "gcc" or "clang" (the C++ driver is derived)
 * @param opt "O0", "O2" or "O3"
 * @param link "pie", "nopie" or "static"
 * @param binary the compiled executable
 * @param stripped a copy with .symtab removed
 */
public record Variant(String program, String compiler, String opt, String link, Path binary, Path stripped) {
    /** @return a short name such as {@code switch-gcc-O2-pie} */
    public String name() {
        return program + "-" + compiler + "-" + opt + "-" + link;
    }

    /** @return command-line arguments the program is run with in tests */
    public List<String> args() {
        return List.of();
    }

    @Override
    public String toString() {
        return name();
    }
}
