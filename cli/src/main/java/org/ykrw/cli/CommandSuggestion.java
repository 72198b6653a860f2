package org.ykrw.cli;

import java.util.List;
import picocli.CommandLine.Command;

/** The nearest command name to a mistyped one ({@code ykrw stat} -> {@code stats}). */
final class CommandSuggestion {
    private CommandSuggestion() {
    }

    /**
     * @param args the command line
     * @param commands the subcommand classes
     * @return a one-line message when the first word is not an option and names no command, else null
     */
    static String unknownCommand(String[] args, List<Class<?>> commands) {
        if (args.length == 0 || args[0].startsWith("-")) {
            return null;
        }
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (Class<?> c : commands) {
            String name = c.getAnnotation(Command.class).name();
            if (name.equals(args[0])) {
                return null;
            }
            int d = distance(args[0], name);
            if (d < bestDistance) {
                best = name;
                bestDistance = d;
            }
        }
        // a suggestion only when it is closer than a different word: at most a third of it changed
        boolean close = best != null && bestDistance <= Math.max(1, best.length() / 3);
        return "unknown command '" + args[0] + "'" + (close ? " (did you mean '" + best + "'?)" : "")
                + " (see ykrw --help)";
    }

    /** Levenshtein distance: insertions, deletions and substitutions each cost one. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.length()];
    }
}
