package org.ykrw.cli;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether standard output or standard error is a terminal. {@code System.console()} answers for
 * stdin and stdout together, which is the wrong question both for progress (drawn on stderr, and
 * wanted when stdout is piped, e.g. {@code -o -}) and for refusing to write a binary to a terminal.
 */
public final class Terminal {
    /** File descriptor of standard output. */
    public static final int STDOUT = 1;
    /** File descriptor of standard error. */
    public static final int STDERR = 2;

    private Terminal() {
    }

    /** libc's isatty, the exact answer. */
    interface LibC extends Library {
        int isatty(int fd);
    }

    private static final class Holder {
        static final LibC LIBC = load();

        private static LibC load() {
            try {
                return Native.load("c", LibC.class);
            } catch (LinkageError | RuntimeException e) {  // no stub (a full /tmp, ulimit -f): the /proc answer
                return null;
            }
        }
    }

    /**
     * @param fd {@link #STDOUT} or {@link #STDERR}
     * @return true when fd is a terminal (TERM=dumb counts as none: nothing can redraw a line there)
     */
    public static boolean is(int fd) {
        return "dumb".equals(System.getenv("TERM")) ? false : isTerminal(fd);
    }

    /** @return whether to draw progress on stderr: {@link #progressWanted(boolean, String)} of this process */
    public static boolean progressWanted() {
        return progressWanted(is(STDERR), System.getenv("YKRW_PROGRESS"));
    }

    /**
     * The decision, apart so that it can be tested: progress only on a terminal, and never when
     * {@code YKRW_PROGRESS=0} (a terminal recorded by {@code script}, a screen reader).
     *
     * @param stderrIsTerminal what {@link #is} says of stderr
     * @param setting the value of YKRW_PROGRESS, or null
     * @return whether to draw
     */
    static boolean progressWanted(boolean stderrIsTerminal, String setting) {
        return stderrIsTerminal && !"0".equals(setting);
    }

    private static boolean isTerminal(int fd) {
        LibC c = Holder.LIBC;
        if (c != null) {
            return c.isatty(fd) == 1;
        }
        // Without JNA's stub: what the descriptor names (pseudo-terminals and consoles live in /dev).
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
