package org.ykrw.cli.sweep;

import java.util.List;
import java.util.Optional;

/** The passes a sweep can apply, by {@code --pass} name. A new pass is one line here. */
public final class SweepPasses {
    private SweepPasses() {
    }

    /** Names accepted by {@code --pass}, available or announced. */
    public static final List<String> NAMES = List.of("rewrite", "trace", "coverage");

    /**
     * @param name a {@code --pass} value
     * @return the pass, or empty when the name is known but the pass is not written yet
     */
    public static Optional<SweepPass> byName(String name) {
        return switch (name) {
            case "rewrite" -> Optional.of(new RewritePass());
            default -> Optional.empty();
        };
    }
}
