package org.ykrw.testsuite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ykrw.core.testutil.Tools;

/** Compiles one test program in one of the link modes the tests use. */
final class TestCompiler {
    private TestCompiler() {
    }

    /** The compilers and the executable link modes most tests cross. */
    static final List<String> COMPILERS = List.of("gcc", "clang");
    static final List<String> LINKS = List.of("pie", "nopie", "static");

    /** @return every (compiler, link mode) pair, as test arguments */
    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> compilersAndLinks() {
        return COMPILERS.stream().flatMap(cc -> LINKS.stream().map(link -> org.junit.jupiter.params.provider.Arguments.of(cc, link)));
    }

    /** @return the compiler flags of a link mode: pie, nopie, relr (PIE with DT_RELR), static or static-pie */
    static List<String> linkFlags(String link) {
        return switch (link) {
            case "pie" -> List.of("-fPIE", "-pie");
            case "nopie" -> List.of("-fno-pie", "-no-pie");
            case "relr" -> List.of("-fPIE", "-pie", "-Wl,-z,pack-relative-relocs");
            case "static" -> List.of("-static");
            case "static-pie" -> List.of("-fPIE", "-static-pie");
            default -> throw new IllegalArgumentException("link mode " + link);
        };
    }

    /**
     * Compiles {@code source} (a file of the test programs' directory, or an absolute path) into
     * {@code bin}, unless {@code bin} exists already.
     *
     * @param flags further flags (an optimisation level among them, or -O2 is used)
     * @return {@code bin}
     */
    static Path compile(Path bin, String source, String cc, String link, List<String> flags) throws IOException {
        if (Files.exists(bin)) {
            return bin;
        }
        Path src = source.startsWith("/") ? Path.of(source) : ProgramMatrix.sources().resolve(source).normalize();
        List<String> cmd = new ArrayList<>(List.of(cc, "-o", bin.toString(), src.toString()));
        if (flags.stream().noneMatch(f -> f.startsWith("-O"))) {
            cmd.add("-O2");
        }
        cmd.addAll(flags);
        cmd.addAll(linkFlags(link));
        Tools.output(cmd);
        return bin;
    }
}
