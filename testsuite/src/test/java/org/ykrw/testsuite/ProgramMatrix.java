package org.ykrw.testsuite;

import org.ykrw.core.testutil.Tools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Compiles the test programs in src/test/resources/programs with gcc and clang at -O0/-O2/-O3 as PIE,
 * non-PIE and static executables, plus a stripped copy of each, into target/programs (kept between
 * runs: a variant is rebuilt only when missing). Two compilations run at a time.
 */
public final class ProgramMatrix {
    /** Programs and whether they are C++. */
    static final String[][] PROGRAMS = {
        {"switch", "c"}, {"cases", "c"}, {"control", "c"}, {"runtime", "c"}, {"exceptions", "cpp"}, {"unwinding", "cpp"},
        {"uselib", "c"}};
    static final String[] COMPILERS = {"gcc", "clang"};
    static final String[] OPTS = {"O0", "O2", "O3"};
    static final String[] LINKS = {"pie", "nopie", "static"};

    private static List<Variant> cached;
    private static final Object LIBRARY_LOCK = new Object();

    private ProgramMatrix() {
    }

    /** @return the source file of a program */
    public static Path source(String program) {
        for (String[] p : PROGRAMS) {
            if (p[0].equals(program)) {
                return sources().resolve(program + "." + p[1]);
            }
        }
        throw new IllegalArgumentException(program);
    }

    /** @return true for the C++ programs */
    public static boolean isCpp(String program) {
        return source(program).toString().endsWith(".cpp");
    }

    /** @return directory of the program sources */
    public static Path sources() {
        return Path.of("src/test/resources/programs").toAbsolutePath();
    }

    /** @return directory holding the compiled variants */
    public static Path outputDir() {
        return Path.of("target/programs").toAbsolutePath();
    }

    /** @return every variant, compiled (compiling what is missing) */
    public static synchronized List<Variant> all() {
        if (cached == null) {
            cached = build();
        }
        return cached;
    }

    /** @return the variants of one program */
    public static List<Variant> of(String program) {
        return all().stream().filter(v -> v.program().equals(program)).toList();
    }

    /**
     * Compiles one variant (when missing or stale), for tests that need a few programs, not the matrix.
     *
     * @param program a name of {@link #PROGRAMS}
     * @param cc gcc or clang
     * @param opt O0, O2 or O3
     * @param link pie, nopie or static
     * @return the variant
     */
    public static Variant one(String program, String cc, String opt, String link) {
        try {
            Files.createDirectories(outputDir());  // a test may ask for one before the matrix was built
            return compile(program, isCpp(program), cc, opt, link);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Variant> build() {
        try {
            Files.createDirectories(outputDir());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Variant> variants = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Future<Variant>> jobs = new ArrayList<>();
        for (String[] prog : PROGRAMS) {
            for (String cc : COMPILERS) {
                for (String opt : OPTS) {
                    for (String link : LINKS) {
                        if (prog[0].equals("uselib") && link.equals("static")) {
                            continue;  // a static executable cannot use a shared library
                        }
                        jobs.add(pool.submit(() -> compile(prog[0], prog[1].equals("cpp"), cc, opt, link)));
                    }
                }
            }
        }
        try {
            for (Future<Variant> f : jobs) {
                variants.add(f.get());
            }
        } catch (Exception e) {
            throw new IllegalStateException("compiling the test programs failed: " + e.getMessage(), e);
        } finally {
            pool.shutdown();
        }
        return List.copyOf(variants);
    }

    private static Variant compile(String program, boolean cpp, String cc, String opt, String link) throws IOException {
        String name = program + "-" + cc + "-" + opt + "-" + link;
        Path bin = outputDir().resolve(name);
        Path stripped = outputDir().resolve(name + ".stripped");
        Variant v = new Variant(program, cc, opt, link, bin, stripped);
        // Kept between runs, but rebuilt when the program's source (or the library it uses) changed.
        if (Files.exists(stripped) && Files.exists(bin)
                && Files.getLastModifiedTime(bin).compareTo(Files.getLastModifiedTime(source(program))) > 0
                && Files.getLastModifiedTime(bin).compareTo(Files.getLastModifiedTime(sources().resolve("demolib.c"))) > 0) {
            return v;
        }
        String driver = cpp ? (cc.equals("gcc") ? "g++" : "clang++") : cc;
        List<String> cmd = new ArrayList<>(List.of(driver, "-" + opt, "-o", bin.toString()));
        cmd.addAll(TestCompiler.linkFlags(link));
        cmd.add(sources().resolve(program + (cpp ? ".cpp" : ".c")).toString());
        if (program.equals("runtime")) {
            cmd.add("-pthread");
        }
        if (program.equals("uselib")) {
            Path lib = outputDir().resolve("libykrwdemo-" + cc + "-" + opt + ".so");
            synchronized (LIBRARY_LOCK) {   // the PIE and non-PIE jobs share the library: build it once
                if (!Files.exists(lib)) {
                    Tools.output(List.of(cc, "-" + opt, "-shared", "-fPIC", "-o", lib.toString(),
                            sources().resolve("demolib.c").toString()));
                }
            }
            cmd.addAll(List.of(lib.toString(), "-Wl,-rpath," + outputDir()));
        }
        Tools.output(cmd);
        Tools.output(List.of("strip", "-o", stripped.toString(), bin.toString()));
        return v;
    }
}
