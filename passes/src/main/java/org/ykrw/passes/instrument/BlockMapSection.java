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
     * Embeds the map of a pass's probes in the output and hands its JSON to the caller. An output has
     * one map: with two passes, the one whose probe slots are counters wins (the coverage tools read
     * a block's counter through its slot; the trace tools need only the blocks' indices, which every
     * pass's map has alike).
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
        if (!counters && requests.hasUnloadedSection(BlockMap.SECTION_NAME)) {
            return;
        }
        BlockMap map = BlockMap.fromProgram(input.program(), input.inputName(), input.mapId(), pass,
                b -> probeOf.getOrDefault(b, BlockMap.NO_PROBE), b -> impliedBy.getOrDefault(b, List.of()), hooks);
        byte[] json = BlockMapWriter.toJson(map).getBytes(StandardCharsets.UTF_8);
        // compressing a large program's map takes half a second: it is done while the code is laid out
        requests.addUnloadedSection(BlockMap.SECTION_NAME, () -> BlockMapWriter.toSectionBytes(json));
        requests.addArtifact(ARTIFACT, json);
    }
}
