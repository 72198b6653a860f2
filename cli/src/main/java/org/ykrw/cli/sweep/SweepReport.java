package org.ykrw.cli.sweep;

import java.io.PrintStream;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The sweep's table (worst outcomes first), its refusal reasons, and the summary line. */
public final class SweepReport {
    private final List<ProgramVerdict> verdicts;
    private final Map<String, Integer> skipped;
    private final String passName;

    /**
     * @param passName the pass that was applied
     * @param verdicts one per program
     * @param skipped files not swept, by reason
     */
    public SweepReport(String passName, List<ProgramVerdict> verdicts, Map<String, Integer> skipped) {
        this.passName = passName;
        this.verdicts = verdicts;
        this.skipped = skipped;
    }

    /** @return programs per outcome */
    public Map<Outcome, Integer> counts() {
        Map<Outcome, Integer> out = new EnumMap<>(Outcome.class);
        for (Outcome o : Outcome.values()) {
            out.put(o, 0);
        }
        verdicts.forEach(v -> out.merge(v.outcome(), 1, Integer::sum));
        return out;
    }

    /** @return true when no transformed program differs or crashes and ykrw never failed */
    public boolean clean() {
        Map<Outcome, Integer> c = counts();
        return c.get(Outcome.DIFFERING) == 0 && c.get(Outcome.CRASHING) == 0 && c.get(Outcome.ERROR) == 0;
    }

    /** @param out where the table goes: one row per program, worst outcomes first, then by name */
    public void printTable(PrintStream out) {
        int width = Math.max(8, verdicts.stream().mapToInt(v -> v.name().length()).max().orElse(0));
        out.printf("%-11s %-" + width + "s %7s  %s%n", "outcome", "program", "seconds", "detail");
        verdicts.stream().sorted(Comparator.comparing(ProgramVerdict::outcome).reversed()
                .thenComparing(ProgramVerdict::name))
                .forEach(v -> out.printf("%-11s %-" + width + "s %7.1f  %s%n", v.outcome().label(), v.name(),
                        v.seconds(), v.detail()));
    }

    /** @param out where the refusal reasons go, most frequent first */
    public void printReasons(PrintStream out) {
        Map<String, List<String>> byReason = new TreeMap<>();
        for (ProgramVerdict v : verdicts) {
            if (v.outcome() == Outcome.REFUSED || v.outcome() == Outcome.ERROR) {
                byReason.computeIfAbsent(v.outcome().label() + ": " + v.detail(), k -> new java.util.ArrayList<>())
                        .add(v.name());
            }
        }
        byReason.entrySet().stream().sorted((a, b) -> b.getValue().size() - a.getValue().size())
                .forEach(e -> out.printf("%4d  %s (%s)%n", e.getValue().size(), e.getKey(),
                        String.join(", ", e.getValue().subList(0, Math.min(5, e.getValue().size())))
                                + (e.getValue().size() > 5 ? ", ..." : "")));
    }

    /** @return one line: how many programs, how many transformed, and how each outcome counted */
    public String summary() {
        Map<Outcome, Integer> c = counts();
        int total = verdicts.size();
        int transformed = verdicts.stream().mapToInt(v -> v.outcome().transformed() ? 1 : 0).sum();
        String skip = skipped.entrySet().stream().map(e -> e.getValue() + " " + e.getKey())
                .collect(Collectors.joining(", "));
        return String.format("sweep: %d programs, %d transformed by %s (%.1f%%): %d identical, %d unstable (output varies"
                + " from run to run), %d differing, %d crashing; %d refused, %d ykrw errors; skipped %d files%s",
                total, transformed, passName, total == 0 ? 0.0 : 100.0 * transformed / total, c.get(Outcome.IDENTICAL),
                c.get(Outcome.UNSTABLE), c.get(Outcome.DIFFERING), c.get(Outcome.CRASHING), c.get(Outcome.REFUSED),
                c.get(Outcome.ERROR), skipped.values().stream().mapToInt(Integer::intValue).sum(),
                skip.isEmpty() ? "" : " (" + skip + ")");
    }
}
