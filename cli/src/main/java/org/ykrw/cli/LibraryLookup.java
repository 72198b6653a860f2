package org.ykrw.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Whether ld.so would find a library named in a DT_NEEDED entry on this machine (for {@code instrument
 * --trace-lib}, whose output does not start when its library is missing): a name with a slash is a
 * path, used as it is; a bare name is looked for in {@code LD_LIBRARY_PATH}, in ldconfig's cache and in
 * the default directories, as ld.so does (the program's RUNPATH, which ld.so reads too, is not: a
 * library found only there draws a warning it did not need).
 */
final class LibraryLookup {
    /** ld.so's trusted directories on x86-64 Debian, and what /etc/ld.so.conf usually adds. */
    private static final List<String> DEFAULT_DIRECTORIES = List.of("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
            "/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib");

    private LibraryLookup() {
    }

    /**
     * @param name the library as DT_NEEDED will name it
     * @return null when ld.so would find it now, else why not, in words for a warning
     */
    static String whyMissing(String name) {
        if (name.contains("/")) {
            return Files.isRegularFile(Path.of(name)) ? null
                    : "no such file (ld.so takes a name with a slash as a path, relative to the program's current directory)";
        }
        List<String> directories = new ArrayList<>();
        String fromEnvironment = System.getenv("LD_LIBRARY_PATH");
        if (fromEnvironment != null) {
            for (String d : fromEnvironment.split(":")) {
                directories.add(d.isEmpty() ? "." : d);
            }
        }
        directories.addAll(DEFAULT_DIRECTORIES);
        for (String d : directories) {
            if (Files.isRegularFile(Path.of(d, name))) {
                return null;
            }
        }
        if (inLdconfigCache(name)) {
            return null;
        }
        return "ld.so would not find it (not in LD_LIBRARY_PATH, ldconfig's cache or " + String.join(", ", DEFAULT_DIRECTORIES)
                + ")";
    }

    /** @return whether {@code ldconfig -p} lists the name (false when ldconfig cannot be run) */
    private static boolean inLdconfigCache(String name) {
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
                return out.lines().map(String::strip).anyMatch(l -> l.startsWith(name + " ("));
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }
}
