package org.ykrw.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.ykrw.core.pass.EmbeddedRuntime;

/**
 * Fills the runtime's data segment ({@link RuntimeRewriter} reserved it): the runtime's own data, the
 * patch-site table, strict mode's trap table, the configuration, and the range to make read-only after
 * start; and makes the runtime's entry the program's when it starts there. Runs after
 * {@link CodeRewriter} (the patch sites are recorded while the code is written) and after
 * {@link DynamicTablesRewriter} (the range to protect is the moved dynamic tables).
 */
final class RuntimeDataRewriter implements OutputRewriter {
    @Override
    public String name() {
        return "runtime-data";
    }

    @Override
    public void run(RewriteState state) {
        RuntimeRewriter.Placed at = state.runtimePlaced;
        if (at == null) {
            return;
        }
        EmbeddedRuntime runtime = at.runtime();
        List<long[]> sites = state.layout.patchSites();
        // sized as reserved, from the sites counted while measuring (the same as written)
        int siteCount = state.layout.patchSiteCount();
        ByteBuffer data = ByteBuffer.allocate(at.dataSize(siteCount)).order(ByteOrder.LITTLE_ENDIAN);
        data.put(runtime.data());
        data.position(at.sitesOffset());
        for (long[] site : sites) {
            data.putLong(site[0]).putLong(site[1]);
        }
        long trapTableAddress = at.data().address() + at.sitesOffset() + 16L * siteCount;
        data.put(at.trapTable());
        boolean fromInit = state.runtimeStartsFromInit();
        long programEntry = fromInit ? state.dynamic.oldInit() : state.programEntryAfterRewrite();
        long codeStart = state.codeSegment.address();
        boolean traps = at.trapTable().length > 0;
        runtime.configurer().configure(new EmbeddedRuntime.RuntimePlacement(at.code().address(), at.data().address(),
                at.region() == null ? 0 : at.region().address(), at.data().address() + at.sitesOffset(), sites.size(),
                codeStart, codeStart + state.layout.size(), programEntry, traps ? trapTableAddress : 0,
                traps ? state.moved.size() : 0,
                state.threadLocalsPlaced == null ? 0 : state.threadLocalsPlaced.earlyThreadPointer()), data);
        protectAfterStart(at, data, state.dynamic == null ? null : state.dynamic.placedTables());
        at.data().fill(data.array());
        if (!fromInit && runtime.entrySymbol() != null) {
            state.image.setEntry(at.symbol(runtime.entrySymbol()));
        }
    }

    /**
     * Tells the runtime which range to make read-only once ld.so has relocated the program: the moved
     * dynamic tables, which the input kept under PT_GNU_RELRO (an object has one RELRO range, and the
     * new segment lies far from the old one).
     */
    private static void protectAfterStart(RuntimeRewriter.Placed at, ByteBuffer data, long[] range) {
        if (range == null || !at.runtime().symbols().containsKey(EmbeddedRuntime.READ_ONLY_AFTER_START)) {
            return;
        }
        int slot = (int) (at.symbol(EmbeddedRuntime.READ_ONLY_AFTER_START) - at.data().address());
        data.putLong(slot, range[0]).putLong(slot + 8, range[1]);
    }
}
