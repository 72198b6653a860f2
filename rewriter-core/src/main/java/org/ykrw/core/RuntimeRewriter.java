package org.ykrw.core;

import org.ykrw.core.elf.Segment;
import org.ykrw.core.emit.ElfImageBuilder;
import org.ykrw.core.ir.ProbeContext;
import org.ykrw.core.layout.StrictFill;
import org.ykrw.core.pass.EmbeddedRuntime;

/**
 * Places the runtime a pass asked for: three segments after the new code (its code; its data with the
 * patch-site table and strict mode's trap table; the run-file region). Its code and region are filled
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
     * @param region the run-file region's segment, or null when it has none
     * @param trapTable strict mode's trap table (empty when not strict)
     */
    record Placed(EmbeddedRuntime runtime, ElfImageBuilder.SegmentHandle code, ElfImageBuilder.SegmentHandle data,
            ElfImageBuilder.SegmentHandle region, int sitesOffset, byte[] trapTable) {
        /** @return the output address of a runtime symbol */
        long symbol(String name) {
            return name.equals(ProbeContext.RUN_FILE_REGION) ? region.address() : code.address() + runtime.offsetOf(name);
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
        ElfImageBuilder.SegmentHandle region = runtime.regionSize() > 0
                ? image.reserveSegment(".ykrw.region", Segment.PF_R | Segment.PF_W, runtime.regionSize()) : null;
        code.fill(runtime.code().clone());
        if (region != null) {
            region.fill(runtime.regionHeader().clone());
        }
        state.runtimePlaced = new Placed(runtime, code, data, region, sitesOffset, trapTable);
    }

    private static long alignUp(long v, long a) {
        return (v + a - 1) & -a;
    }
}
