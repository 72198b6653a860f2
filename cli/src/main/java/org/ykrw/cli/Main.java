package org.ykrw.cli;

import java.io.PrintWriter;
import org.ykrw.core.diag.YkrwException;
import org.ykrw.core.x86.decode.CapstoneDecoder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code ykrw} command. Each subcommand is one class; this class only wires them and turns every
 * failure into one line on stderr and an exit status: 2 for bad or unsupported input, 64 for a
 * wrong command line, 70 for an internal error. {@code --debug} shows stack traces.
 */
@Command(name = "ykrw", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT,
        versionProvider = Main.Version.class,
        description = "Static binary rewriter and instrumentation compiler for x86-64 Linux ELF files.")
public final class Main implements Runnable {
    /** Exit status for bad or unsupported input. */
    public static final int EXIT_BAD_INPUT = 2;
    /** Exit status for a wrong command line (BSD sysexits EX_USAGE). */
    public static final int EXIT_USAGE = 64;
    /** Exit status for a bug in ykrw (EX_SOFTWARE). */
    public static final int EXIT_INTERNAL = 70;

    @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT, description = "Show stack traces of errors.")
    boolean debug;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command (try: ykrw stats BIN)");
    }

    /** @param args command line */
    public static void main(String[] args) {
        if (args.length > 0 && LIFTING.contains(args[0])) {
            CapstoneDecoder.preload();  // while picocli builds its model and the input is read
        }
        InputPrefetch.start(args);
        System.exit(execute(args));
    }

    /** The commands that decode code, for which capstone is loaded ahead. */
    private static final java.util.Set<String> LIFTING =
            java.util.Set.of("stats", "functions", "cfg", "rewrite", "instrument", "optimize", "strip", "patch", "sweep");

    /** The subcommands, in the order help lists them. */
    private static final java.util.List<Class<?>> COMMANDS = java.util.List.of(StatsCommand.class, FunctionsCommand.class, CfgCommand.class,
            RewriteCommand.class, InstrumentCommand.class, OptimizeCommand.class, StripCommand.class, PatchCommand.class,
            CoverageCommand.class, TraceCommand.class, SweepCommand.class, WhereCommand.class, CommandLine.HelpCommand.class);

    /**
     * Picocli builds a model of every subcommand it is given, by reflection, before it parses anything:
     * with all ten that cost ~20 ms of every run more than with one. A command line that starts with a
     * subcommand's name gets that one only; any other (help, options first, a typo) gets all, so help
     * and suggestions stay complete.
     */
    static CommandLine commandLine(Main main, String... args) {
        CommandLine cl = new CommandLine(main);
        java.util.List<Class<?>> wanted = COMMANDS;
        for (Class<?> c : COMMANDS) {
            if (args.length > 0 && c != CommandLine.HelpCommand.class && c.getAnnotation(Command.class).name().equals(args[0])) {
                wanted = java.util.List.of(c);
            }
        }
        for (Class<?> c : wanted) {
            cl.addSubcommand(c);
        }
        return cl;
    }

    /** Runs the command line and returns the exit status (used by tests without exiting the JVM). */
    public static int execute(String... args) {
        Main main = new Main();
        CommandLine cl = commandLine(main, args);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            boolean wantTrace = main.debug;
            if (ex instanceof YkrwException y) {
                err.println("ykrw: " + oneLine(y.getMessage())
                        + (y.exitStatus() == EXIT_USAGE ? " (see " + helpCommand(commandLine) + ")" : ""));
                if (wantTrace) {
                    y.printStackTrace(err);
                }
                return y.exitStatus();
            }
            err.println("ykrw: internal error: " + ex.getClass().getSimpleName() + ": " + oneLine(String.valueOf(ex.getMessage()))
                    + (wantTrace ? "" : " (run with --debug for details)"));
            if (wantTrace) {
                ex.printStackTrace(err);
            }
            return EXIT_INTERNAL;
        });
        cl.setParameterExceptionHandler((ex, params) -> {
            String unknown = CommandSuggestion.unknownCommand(args, COMMANDS);
            ex.getCommandLine().getErr().println("ykrw: " + (unknown != null ? unknown
                    : oneLine(ex.getMessage()) + " (see " + helpCommand(ex.getCommandLine()) + ")"));
            return EXIT_USAGE;
        });
        try {
            return cl.execute(args);
        } catch (StackOverflowError | OutOfMemoryError e) {
            // picocli hands only Exceptions to the handler above; these Errors would otherwise end the
            // JVM with a stack trace. Both mean ykrw met an input beyond what it was built for: a bug.
            cl.getErr().println("ykrw: internal error: " + e.getClass().getSimpleName()
                    + (e instanceof StackOverflowError ? " (run java with a larger -Xss)" : " (run java with a larger -Xmx)"));
            if (main.debug) {
                e.printStackTrace(cl.getErr());
            }
            cl.getErr().flush();
            return EXIT_INTERNAL;
        }
    }

    /**
     * Says on stderr, in one line, that something given did nothing (a filter that matched no function,
     * an option another option makes meaningless); the command goes on and its exit status stays.
     *
     * @param what what had no effect, and why
     */
    static void warn(String what) {
        System.err.println("ykrw: warning: " + oneLine(what));
    }

    /** @return how to ask for the help of the (sub)command that failed: "ykrw rewrite --help" */
    private static String helpCommand(CommandLine failed) {
        return failed.getCommandSpec().qualifiedName() + " --help";  // "ykrw coverage report --help" for a nested one
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replace('\n', ' ').replace('\r', ' ');
    }

    /** Reports the version from the jar manifest, or "dev" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"ykrw " + (v != null ? v : "0.1.0-dev")};
        }
    }
}
