package org.ykrw.passes.instrument;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.ykrw.core.blockmap.BlockMap;
import org.ykrw.core.blockmap.BlockMapWriter;
import org.ykrw.core.ir.Block;
import org.ykrw.core.pass.PassInput;
import org.ykrw.core.pass.PassRequests;

/**
 * Puts the block map of docs/FORMATS.md section 1 where tools find it: embedded in the output as
 * {@link BlockMap#SECTION_NAME}, and handed to the caller as JSON (for {@code --map}).
 */
public final class BlockMapSection {
    /** Name of the artifact that hands the map's JSON to the caller. */
    public static final String ARTIFACT = "block-map.json";

    private BlockMapSection() {
    }

    /**
     * Embeds the map of a pass's probes in the output and hands its JSON to the caller. With two passes
     * the one whose probe slots are counters is the output's map (the coverage tools read a block's
     * counter through its slot), and the trace pass's, whose probes number other blocks once coverage
     * probes are pruned, goes into {@link BlockMap#TRACE_SECTION_NAME} for the trace tools. The
     * coverage pass runs first.
     *
     * @param counters true when the probe slots number the counters of a run file
     */
    static void add(PassInput input, PassRequests requests, String pass, Map<Block, Integer> probeOf, List<String> hooks,
            boolean counters) {
        add(input, requests, pass, probeOf, Map.of(), hooks, counters);
    }

    /** As {@link #add(PassInput, PassRequests, String, Map, List, boolean)}, with the blocks whose probes were pruned. */
    static void add(PassInput input, PassRequests requests, String pass, Map<Block, Integer> probeOf,
            Map<Block, List<Block>> impliedBy, List<String> hooks, boolean counters) {
        BlockMap map = BlockMap.fromProgram(input.program(), input.inputName(), input.mapId(), pass,
                b -> probeOf.getOrDefault(b, BlockMap.NO_PROBE), b -> impliedBy.getOrDefault(b, List.of()), hooks);
        byte[] json = BlockMapWriter.toJson(map).getBytes(StandardCharsets.UTF_8);
        if (!counters && requests.hasUnloadedSection(BlockMap.SECTION_NAME)) {
            // the counters' map stays the output's; the trace tools read this one
            requests.addUnloadedSection(BlockMap.TRACE_SECTION_NAME, () -> BlockMapWriter.toSectionBytes(json));
            return;
        }
        // compressing a large program's map takes half a second: it is done while the code is laid out
        requests.addUnloadedSection(BlockMap.SECTION_NAME, () -> BlockMapWriter.toSectionBytes(json));
        requests.addArtifact(ARTIFACT, json);
    }
}
