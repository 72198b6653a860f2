package org.ykrw.core.report;

import java.util.Locale;
import org.ykrw.core.ir.ProgramStats;

/** Renders {@link ProgramStats} as aligned text or as JSON. */
public final class StatsReport {
    private StatsReport() {
    }

    /** @return human-readable lines */
    public static String text(String file, ProgramStats s) {
        StringBuilder b = new StringBuilder();
        line(b, "file", file);
        line(b, "functions", Integer.toString(s.functions()));
        line(b, "functions left in place", Integer.toString(s.skippedFunctions()));
        line(b, "PLT stubs", Integer.toString(s.pltStubs()));
        line(b, "basic blocks", Long.toString(s.blocks()));
        line(b, "instructions", Long.toString(s.instructions()));
        line(b, "average block size", String.format(Locale.ROOT, "%.2f instructions, %.2f bytes",
                s.averageBlockInstructions(), s.averageBlockBytes()));
        line(b, "jump tables resolved", Integer.toString(s.jumpTables()));
        line(b, "jump tables unresolved", Integer.toString(s.unresolvedJumpTables()));
        line(b, "indirect jumps unresolved", s.unresolvedIndirectJumps() + " (tail calls through pointers included)");
        line(b, "unreached code bytes", Long.toString(s.unreachedBytes()));
        line(b, "time", s.liftMillis() + " ms");
        return b.toString();
    }

    private static void line(StringBuilder b, String key, String value) {
        b.append(String.format("%-26s %s%n", key + ":", value));
    }

    /** @return one JSON object */
    public static String json(String file, ProgramStats s) {
        return String.format(Locale.ROOT, "{\"file\": %s, \"functions\": %d, \"skipped_functions\": %d, \"plt_stubs\": %d,"
                + " \"blocks\": %d, \"instructions\": %d, \"code_bytes\": %d, \"avg_block_instructions\": %.3f,"
                + " \"avg_block_bytes\": %.3f, \"jump_tables\": %d, \"unresolved_jump_tables\": %d,"
                + " \"unresolved_indirect_jumps\": %d, \"unreached_bytes\": %d, \"time_ms\": %d}%n",
                Json.quote(file), s.functions(), s.skippedFunctions(), s.pltStubs(), s.blocks(), s.instructions(),
                s.codeBytes(), s.averageBlockInstructions(), s.averageBlockBytes(), s.jumpTables(),
                s.unresolvedJumpTables(), s.unresolvedIndirectJumps(), s.unreachedBytes(), s.liftMillis());
    }
}
