package org.ykrw.coverage;

import java.util.List;
import java.util.Locale;
import org.ykrw.core.blockmap.BlockMap;
import org.ykrw.core.report.Json;
import org.ykrw.coverage.CoverageData.FunctionCoverage;

/**
 * The report as JSON ({@code coverage report --format json}, docs/FORMATS.md section 6): what the
 * text report says, for scripts. Every summarized function is listed (the text report lists only
 * the busiest); counts are unsigned 64-bit integers, execution sums and averages numbers, and an
 * average that does not exist (no block ran, code not at hand) is {@code null}.
 */
public final class JsonCoverageWriter {
    /** Value of the report's {@code format} member. */
    public static final String FORMAT = "ykrw-coverage-report";
    /** The version this class writes. */
    public static final int VERSION = 1;

    private JsonCoverageWriter() {
    }

    /**
     * @param data the coverage
     * @param profile the execution figures of a count run, or null
     * @return the JSON text, ending with a newline
     */
    public static String write(CoverageData data, ExecutionProfile profile) {
        BlockMap map = data.map();
        StringBuilder b = new StringBuilder(4096);
        b.append("{\"format\": ").append(Json.quote(FORMAT)).append(", \"version\": ").append(VERSION)
                .append(",\n \"input\": ").append(Json.quote(map.input()))
                .append(", \"mapId\": ").append(Json.quote(BlockMap.mapIdHex(map.mapId())))
                .append(", \"pass\": ").append(Json.quote(map.pass()))
                .append(", \"counts\": ").append(data.hasCounts())
                .append(",\n \"runs\": [");
        String sep = "";
        for (CoverageRun r : data.runs()) {
            b.append(sep).append(Json.quote(r.file()));
            sep = ", ";
        }
        List<FunctionCoverage> fns = data.functions();
        b.append("],\n \"summary\": {\"functions\": ").append(fns.size())
                .append(", \"functionsEntered\": ").append(fns.stream().filter(f -> f.coveredBlocks() > 0).count())
                .append(", \"blocks\": ").append(data.probedBlocks())
                .append(", \"blocksCovered\": ").append(data.coveredBlocks())
                .append(", \"startupFunctionsExcluded\": ").append(data.excluded().size()).append('}');
        if (profile != null) {
            b.append(",\n \"execution\": ");
            figures(b, profile.program());
        }
        b.append(",\n \"functions\": [");
        sep = "\n  ";
        int i = 0;
        for (FunctionCoverage f : fns) {
            b.append(sep).append("{\"index\": ").append(f.function().index())
                    .append(", \"name\": ").append(Json.quote(f.function().name()))
                    .append(", \"address\": ").append(f.function().address())
                    .append(", \"blocks\": ").append(f.probedBlocks())
                    .append(", \"blocksCovered\": ").append(f.coveredBlocks())
                    .append(", \"entryCount\": ").append(Long.toUnsignedString(f.entryCount()));
            if (profile != null) {
                b.append(", \"execution\": ");
                figures(b, profile.functions().get(i).figures());
            }
            b.append('}');
            sep = ",\n  ";
            i++;
        }
        b.append("\n ]");
        if (!data.hooks().isEmpty()) {
            b.append(",\n \"hooks\": [");
            sep = "\n  ";
            for (int h = 0; h < data.hooks().size() && h < map.hooks().size(); h++) {
                CoverageRun.HookRecord r = data.hooks().get(h);
                b.append(sep).append("{\"function\": ").append(Json.quote(map.hooks().get(h)))
                        .append(", \"calls\": ").append(Long.toUnsignedString(r.calls()))
                        .append(", \"maxDepth\": ").append(r.maxDepth())
                        .append(", \"depthAtExit\": ").append(r.depth()).append('}');
                sep = ",\n  ";
            }
            b.append("\n ]");
        }
        return b.append("}\n").toString();
    }

    private static void figures(StringBuilder b, ExecutionProfile.Figures f) {
        b.append("{\"blocksExecuted\": ").append(integer(f.blocksExecuted()))
                .append(", \"instructionsExecuted\": ").append(f.knowsInstructions() ? integer(f.instructionsExecuted()) : "null")
                .append(", \"bytesExecuted\": ").append(integer(f.bytesExecuted()))
                .append(", \"static\": {\"blocks\": ").append(f.blocks())
                .append(", \"instructions\": ").append(f.knowsInstructions() ? Long.toString(f.instructions()) : "null")
                .append(", \"bytes\": ").append(f.bytes())
                .append(", \"instructionsPerBlock\": ").append(number(f.staticInstructionsPerBlock()))
                .append(", \"bytesPerBlock\": ").append(number(f.staticBytesPerBlock()))
                .append("}, \"dynamic\": {\"instructionsPerBlock\": ").append(number(f.dynamicInstructionsPerBlock()))
                .append(", \"bytesPerBlock\": ").append(number(f.dynamicBytesPerBlock())).append("}}");
    }

    private static String integer(double v) {
        return String.format(Locale.ROOT, "%.0f", v);
    }

    private static String number(double v) {
        return Double.isNaN(v) ? "null" : String.format(Locale.ROOT, "%.4f", v);
    }
}
