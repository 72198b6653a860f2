package org.ykrw.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.ykrw.core.diag.YkrwException;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.ElfSymbol;
import org.ykrw.core.elf.LibrarySearchPath;

/**
 * Where ld.so would find a library named in a DT_NEEDED entry of the program it is loading on this
 * machine, and whether it exports a function (for {@code instrument --trace-lib}, whose output does not
 * start when either fails): a name with a slash is a path, used as it is; a bare name is looked for as
 * ld.so does, in the program's DT_RPATH, LD_LIBRARY_PATH, the program's DT_RUNPATH, ldconfig's cache and
 * the default directories. The program is the output, so $ORIGIN is the directory it is written to.
 */
final class LibraryLookup {
    /** ld.so's trusted directories on x86-64 Debian, and what /etc/ld.so.conf usually adds. */
    private static final List<String> DEFAULT_DIRECTORIES = List.of("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
            "/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib");

    private final List<Path> beforeEnvironment;
    private final List<Path> afterEnvironment;

    private LibraryLookup(LibrarySearchPath programPath, Path origin) {
        this.beforeEnvironment = LibrarySearchPath.expand(programPath.beforeEnvironment(), origin);
        this.afterEnvironment = LibrarySearchPath.expand(programPath.afterEnvironment(), origin);
    }

    /**
     * @param input the program being rewritten (its DT_RPATH / DT_RUNPATH are kept in the output)
     * @param output where the output goes (its directory is $ORIGIN), or null / standard output for the
     *     input's directory
     * @return the lookup ld.so will do for the output's libraries
     */
    static LibraryLookup forProgram(Path input, Path output) {
        LibrarySearchPath path;
        try {
            path = ElfFile.read(input).librarySearchPath();
        } catch (YkrwException e) {
            path = LibrarySearchPath.NONE; // the rewrite itself reports the unreadable input
        }
        Path program = output == null || OutputPath.isStdout(output) ? input : output;
        Path origin = program.toAbsolutePath().getParent();
        return new LibraryLookup(path, origin == null ? Path.of("/") : origin);
    }

    /**
     * @param name the library as DT_NEEDED will name it
     * @return the file ld.so would load now, or null
     */
    Path locate(String name) {
        if (name.contains("/")) {
            return Files.isRegularFile(Path.of(name)) ? Path.of(name) : null;
        }
        List<Path> directories = new ArrayList<>(beforeEnvironment);
        String fromEnvironment = System.getenv("LD_LIBRARY_PATH");
        if (fromEnvironment != null) {
            for (String d : fromEnvironment.split(":")) {
                directories.add(Path.of(d.isEmpty() ? "." : d));
            }
        }
        directories.addAll(afterEnvironment);
        for (Path d : directories) {
            if (Files.isRegularFile(d.resolve(name))) {
                return d.resolve(name);
            }
        }
        Path cached = fromLdconfigCache(name);
        if (cached != null) {
            return cached;
        }
        for (String d : DEFAULT_DIRECTORIES) {
            if (Files.isRegularFile(Path.of(d, name))) {
                return Path.of(d, name);
            }
        }
        return null;
    }

    /** @return why {@link #locate} found nothing, in words for a warning */
    String whyMissing(String name) {
        if (name.contains("/")) {
            return "no such file (ld.so takes a name with a slash as a path, relative to the program's current directory)";
        }
        String own = beforeEnvironment.isEmpty() && afterEnvironment.isEmpty() ? ""
                : "the program's " + (beforeEnvironment.isEmpty() ? "RUNPATH" : "RPATH") + ", ";
        return "ld.so would not find it (not in " + own + "LD_LIBRARY_PATH, ldconfig's cache or "
                + String.join(", ", DEFAULT_DIRECTORIES) + ")";
    }

    /**
     * @param library a shared library
     * @param function a function name
     * @return true when its dynamic symbols define the function, or when the file cannot be read (no
     *     warning on a guess)
     */
    static boolean exports(Path library, String function) {
        try {
            for (ElfSymbol s : ElfFile.read(library).dynamicSymbols()) {
                if (s.name().equals(function) && s.sectionIndex() != ElfSymbol.SHN_UNDEF) {
                    return true;
                }
            }
            return false;
        } catch (YkrwException e) {
            return true;
        }
    }

    /** @return the path {@code ldconfig -p} lists for the name, or null (also when ldconfig cannot be run) */
    private static Path fromLdconfigCache(String name) {
        for (String ldconfig : List.of("/sbin/ldconfig", "/usr/sbin/ldconfig")) {
            if (!Files.isExecutable(Path.of(ldconfig))) {
                continue;
            }
            try {
                Process p = new ProcessBuilder(ldconfig, "-p").redirectErrorStream(true)
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                p.waitFor(10, TimeUnit.SECONDS);
                // Lines: "\tlibfoo.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libfoo.so.1"
                return out.lines().map(String::strip).filter(l -> l.startsWith(name + " (") && l.contains("x86-64")
                        && l.contains(" => ")).map(l -> Path.of(l.substring(l.indexOf(" => ") + 4))).findFirst().orElse(null);
            } catch (IOException e) {
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }
}
