package org.ykrw.passes.runtime;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.ykrw.core.pass.EmbeddedRuntime;
import org.ykrw.core.pass.EmbeddedRuntime.RuntimePlacement;
import org.ykrw.core.pass.PassContext;

/**
 * What a pass tells the embedded runtime, written into its {@code ykrw_config} structure (the field
 * offsets mirror {@code struct ykrw_config} in ykrw_rt.c). Addresses are link-time addresses; the
 * runtime adds the load bias itself.
 *
 * @param flags {@link #RUN_FILE} and the other flags
 * @param tracer address of the program's own tracing function, or 0
 * @param mapId the map id (docs/FORMATS.md)
 * @param name run-file name prefix
 * @param runFiles where and with which permissions run files are created
 * @param tlsOffset with {@link #THREAD_STATE}: the %fs offset of each thread's tracing byte (from
 *     {@code PassContext.reserveThreadLocal}), else 0
 */
public record RuntimeConfig(int flags, long tracer, long mapId, String name, RunFiles runFiles, long tlsOffset) {
    /** A config without thread-local state. */
    public RuntimeConfig(int flags, long tracer, long mapId, String name, RunFiles runFiles) {
        this(flags, tracer, mapId, name, runFiles, 0);
    }

    /** A config with the default run-file settings. */
    public RuntimeConfig(int flags, long tracer, long mapId, String name) {
        this(flags, tracer, mapId, name, RunFiles.DEFAULT);
    }

    /** The run-file region is a .ykcov image mapped from a file. */
    public static final int RUN_FILE = 1;
    /** Record trace records into ykrw-trace.PID.bin. */
    public static final int TRACE_FILE = 2;
    /** Patch sites are trace sleds flipped at run time. */
    public static final int TOGGLE = 4;
    /** Patch sites are coverage probes that turn themselves off. */
    public static final int ONCE = 8;
    /** With TOGGLE: tracing starts on when YKRW_TRACE is unset. */
    public static final int TRACE_DEFAULT_ON = 16;
    /** The program's tracer may reach traced code: the runtime keeps it from re-entering itself. */
    public static final int TRACER_GUARD = 32;

    /** {@code tracer} is a slot ld.so fills with an imported tracer's run-time address. */
    public static final int TRACER_SLOT = 64;

    /** Probes test a per-thread tracing byte at %fs:{@code tlsOffset} (--abi yk). */
    public static final int THREAD_STATE = 128;

    /** The runtime symbol a shared library's DT_INIT moves to. */
    public static final String LIBRARY_ENTRY = "ykrw_rt_library_entry";

    private static final int SELF = 0;
    private static final int ENTRY = 8;
    private static final int REGION = 16;
    private static final int REGION_BYTES = 24;
    private static final int SITES = 32;
    private static final int SITE_COUNT = 40;
    private static final int CODE_START = 48;
    private static final int CODE_END = 56;
    private static final int TRACER = 64;
    private static final int MAP_ID = 72;
    private static final int FLAGS = 80;
    private static final int NAME = 88;
    private static final int NAME_SIZE = 64;
    private static final int RUN_MODE = 152;
    private static final int RUN_DIR = 160;
    private static final int STRICT_TABLE = 672;
    private static final int STRICT_COUNT = 680;
    private static final int TLS_OFFSET = 688;
    private static final int THREAD_POINTER = 696;

    /**
     * @param blob the runtime
     * @param regionHeader initial bytes of the run-file region (empty for none)
     * @param regionBytes bytes of the region that form the run file
     * @return the runtime, configured with these settings once placed
     */
    public EmbeddedRuntime embed(RuntimeBlob blob, byte[] regionHeader, long regionBytes) {
        int config = blob.dataOffsetOf("ykrw_config");
        long pageRounded = (regionBytes + 0xFFF) & ~0xFFFL;
        return new EmbeddedRuntime(blob.code(), blob.dataOffset(), blob.data(), blob.symbols(), "ykrw_rt_entry",
                regionHeader, pageRounded, (placement, data) -> write(data, config, placement, regionBytes), LIBRARY_ENTRY);
    }

    /** @return the import of pthread_atfork (weak: a program without libc loads, and keeps one file) */
    public static PassContext.Import forkHook() {
        return new PassContext.Import("pthread_atfork", "ykrw_atfork", 0, true);
    }

    /**
     * Asks for the fork hook when the output is dynamically linked, so children made by fork write run
     * files of their own (the runtime registers a child handler through libc's pthread_atfork).
     *
     * @param context the pass context
     */
    public static void hookForks(PassContext context) {
        if (context.linking() != PassContext.Linking.DYNAMIC_EXECUTABLE
                && context.linking() != PassContext.Linking.SHARED_LIBRARY) {
            return;
        }
        if (context.canEditDynamicTables()) {
            context.importFunction(forkHook());
        } else {
            context.note("forks add to the parent's run file: the input's dynamic tables cannot be extended safely");
        }
    }

    /**
     * @param symbol an imported tracing function
     * @return the request that has ld.so write its address into the config's {@code tracer} field
     */
    public static PassContext.Import tracerSlot(String symbol) {
        return new PassContext.Import(symbol, "ykrw_config", TRACER);
    }

    private void write(ByteBuffer data, int at, RuntimePlacement p, long regionBytes) {
        data.putLong(at + SELF, p.dataAddress() + at);
        data.putLong(at + ENTRY, p.programEntry());
        data.putLong(at + REGION, p.regionAddress());
        data.putLong(at + REGION_BYTES, regionBytes);
        data.putLong(at + SITES, p.sitesAddress());
        data.putLong(at + SITE_COUNT, p.siteCount());
        data.putLong(at + CODE_START, p.instrumentedStart());
        data.putLong(at + CODE_END, p.instrumentedEnd());
        data.putLong(at + TRACER, tracer);
        data.putLong(at + MAP_ID, mapId);
        data.putInt(at + FLAGS, flags);
        data.putLong(at + STRICT_TABLE, p.strictTable());
        data.putLong(at + STRICT_COUNT, p.strictCount());
        data.putLong(at + TLS_OFFSET, tlsOffset);
        data.putLong(at + THREAD_POINTER, p.threadPointer());
        // The runtime writes DIR/NAME.PID.ykcov: only the file name may go in, not the path the input was
        // given by (found by ykrw sweep --pass coverage: "cannot create .//tmp/.../true.PID.ykcov").
        byte[] n = name.substring(name.lastIndexOf('/') + 1).getBytes(StandardCharsets.UTF_8);
        // A longer name is cut at a character boundary, so the file name stays valid UTF-8.
        int keep = Math.min(n.length, NAME_SIZE - 1);
        while (keep < n.length && keep > 0 && (n[keep] & 0xC0) == 0x80) {
            keep--;
        }
        for (int i = 0; i < NAME_SIZE; i++) {
            data.put(at + NAME + i, i < keep ? n[i] : 0);
        }
        data.putInt(at + RUN_MODE, runFiles.mode());
        data.put(at + RUN_DIR, runFiles.directoryField());
    }
}
