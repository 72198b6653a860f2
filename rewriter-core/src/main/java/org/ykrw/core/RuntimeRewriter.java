package org.ykrw.core;

import java.util.LinkedHashMap;
import java.util.Map;
import org.ykrw.core.elf.Segment;
import org.ykrw.core.emit.ElfImageBuilder;
import org.ykrw.core.layout.StrictFill;
import org.ykrw.core.pass.EmbeddedRuntime;

/**
 * Places the runtime the passes asked for: segments after the new code (its code; its data with the
 * patch-site table and strict mode's trap table; each run-file region, in the runtime's order). Its code and region are filled
 * here; its data waits for {@link RuntimeDataRewriter}, since the patch sites are known once the code
 * is written and the range to protect once the dynamic tables are. Runs first: the new code and the
 * dynamic tables refer to runtime symbols.
 */
final class RuntimeRewriter implements OutputRewriter {
    /**
     * Where the runtime went.
     *
     * @param code its code segment; its symbols are relative to its address
     * @param data its data segment: the runtime's data, then the patch-site table at {@code sitesOffset},
     *     then the trap table
     * @param regions the run-file regions' segments, by symbol (empty when it has none)
     * @param trapTable strict mode's trap table (empty when not strict)
     */
    record Placed(EmbeddedRuntime runtime, ElfImageBuilder.SegmentHandle code, ElfImageBuilder.SegmentHandle data,
            Map<String, ElfImageBuilder.SegmentHandle> regions, int sitesOffset, byte[] trapTable) {
        /** @return the output address of a runtime symbol or of a run-file region */
        long symbol(String name) {
            ElfImageBuilder.SegmentHandle region = regions.get(name);
            return region != null ? region.address() : code.address() + runtime.offsetOf(name);
        }

        /** @return each region's address, by symbol */
        Map<String, Long> regionAddresses() {
            Map<String, Long> out = new LinkedHashMap<>();
            regions.forEach((name, segment) -> out.put(name, segment.address()));
            return out;
        }

        /** @return the size of the data segment */
        int dataSize(int siteCount) {
            return sitesOffset + 16 * siteCount + trapTable.length;
        }
    }

    @Override
    public String name() {
        return "runtime";
    }

    @Override
    public void run(RewriteState state) {
        EmbeddedRuntime runtime = state.runtime;
        if (runtime == null) {
            return;
        }
        if (runtime.code().length > runtime.dataOffset()) {
            throw new IllegalStateException("runtime code overlaps its data");
        }
        ElfImageBuilder image = state.image;
        // strict mode: the runtime's trap handler names the function whose old code ran
        byte[] trapTable = state.options.strict() ? StrictFill.trapTable(state.moved) : new byte[0];
        int sitesOffset = (int) alignUp(runtime.data().length, 8);
        ElfImageBuilder.SegmentHandle code = image.reserveSegment(".ykrw.rt.text", Segment.PF_R | Segment.PF_X,
                runtime.dataOffset());
        ElfImageBuilder.SegmentHandle data = image.reserveSegment(".ykrw.rt.data", Segment.PF_R | Segment.PF_W,
                sitesOffset + 16L * state.layout.patchSiteCount() + trapTable.length);
        if (data.address() != code.address() + runtime.dataOffset()) {
            // the runtime's code reaches its data at the offset it was linked with
            throw new IllegalStateException("runtime data placed apart from its code");
        }
        Map<String, ElfImageBuilder.SegmentHandle> regions = new LinkedHashMap<>();
        for (EmbeddedRuntime.Region r : runtime.regions()) {
            // the segment is named after the region: .ykrw.region for counters, .ykrw.trace-region for a trace
            ElfImageBuilder.SegmentHandle segment = image.reserveSegment("." + r.symbol(), Segment.PF_R | Segment.PF_W,
                    r.size());
            segment.fill(r.header().clone());
            if (regions.put(r.symbol(), segment) != null) {
                throw new IllegalStateException("two run-file regions named " + r.symbol());
            }
        }
        code.fill(runtime.code().clone());
        state.runtimePlaced = new Placed(runtime, code, data, regions, sitesOffset, trapTable);
    }

    private static long alignUp(long v, long a) {
        return (v + a - 1) & -a;
    }
}
