package org.ykrw.passes.runtime;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ykrw.core.ir.ProbeContext;
import org.ykrw.core.pass.EmbeddedRuntime;
import org.ykrw.core.pass.EmbeddedRuntime.RuntimePlacement;
import org.ykrw.core.pass.PassInput;
import org.ykrw.core.pass.PassRequests;
import org.ykrw.core.pass.RuntimeRequest;

/**
 * The output's one embedded runtime as the passes configure it together, written into its
 * {@code ykrw_config} structure at the end (the field offsets mirror {@code struct ykrw_config} in
 * ykrw_rt.c). Every runtime-using pass gets the same object through {@link #of} and adds its parts:
 * flags, the program's tracer, where run files go, its run-file region (each region is its own
 * segment and its own file: passes never share one). Addresses are link-time addresses; the runtime
 * adds the load bias itself.
 */
public final class RuntimeConfig implements RuntimeRequest {
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

    /** With THREAD_STATE: the byte and the wrapper are a library's, their slots filled by ld.so. */
    public static final int YK_IMPORTED = 256;

    /**
     * @param symbol an initial-exec thread-local byte of a library
     * @return the request that has ld.so write its %fs offset into the config's {@code tls_offset}
     */
    public static PassRequests.Import threadStateSlot(String symbol) {
        return new PassRequests.Import(symbol, "ykrw_config", TLS_OFFSET, false, true);
    }

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
    /** Offset of {@code tls_offset} in the runtime's config: the byte's %fs offset (--abi yk). */
    public static final int TLS_OFFSET = 688;
    private static final int THREAD_POINTER = 696;
    private static final int TRACE_REGION = 704;

    private final long mapId;
    private final String name;
    private int flags;
    private long tracer;
    private RunFiles runFiles = RunFiles.DEFAULT;
    private long tlsOffset;
    /** instrument --afl: how the fork server starts (ykrw_afl_mode in ykrw_rt.c, 0: no AFL) and the map's size */
    private int aflMode;
    private int aflMapSize;
    /** instrument --afl: the %fs offset of each thread's prev, 0 when all threads share ykrw_afl_prev */
    private long aflPrevOffset;
    /** region symbol -> what a pass asked for, in the order asked */
    private final Map<String, Region> regions = new LinkedHashMap<>();

    /** A run-file region a pass asked for: its owner, initial bytes and the bytes that form the run file. */
    private record Region(String pass, byte[] header, long bytes) {
    }

    private RuntimeConfig(long mapId, String name) {
        this.mapId = mapId;
        this.name = name;
    }

    /**
     * @param mode how the fork server starts: 1 at the entry point, 2 deferred, 3 persistent ({@code ykrw_afl_mode})
     * @param mapSize the edge map's size in bytes
     * @param prevOffset the %fs offset of each thread's previous block id (from
     *     {@code PassRequests.reserveThreadLocal}), or 0 when the probes share {@code ykrw_afl_prev}
     * @return this config
     */
    public RuntimeConfig afl(int mode, int mapSize, long prevOffset) {
        if (aflMode != 0) {
            throw new IllegalStateException("two passes want AFL's fork server");
        }
        aflMode = mode;
        aflMapSize = mapSize;
        aflPrevOffset = prevOffset;
        return this;
    }

    /**
     * @param offset with {@link #THREAD_STATE}: the %fs offset of each thread's tracing byte (from
     *     {@code PassRequests.reserveThreadLocal})
     * @return this config
     */
    public RuntimeConfig tlsOffset(long offset) {
        if (tlsOffset != 0 && tlsOffset != offset) {
            throw new IllegalStateException("two passes want different thread-local tracing bytes");
        }
        tlsOffset = offset;
        return this;
    }

    /**
     * @param input what the pass reads (the map id and the run-file name come from it)
     * @param requests where the pass asks for the runtime
     * @return the runtime every pass of this output configures
     */
    public static RuntimeConfig of(PassInput input, PassRequests requests) {
        return requests.runtime(RuntimeConfig.class, () -> new RuntimeConfig(input.mapId(), input.inputName()));
    }

    /**
     * @param more {@link #RUN_FILE} and the other flags, added to those other passes set
     * @return this config
     */
    public RuntimeConfig addFlags(int more) {
        int all = flags | more;
        if ((all & ONCE) != 0 && (all & TOGGLE) != 0) {
            // each kind numbers the patch-site table from 0 and the runtime flips every site one way
            throw new IllegalStateException("self-removing coverage probes (once) and toggled trace sleds cannot"
                    + " share the runtime's patch sites");
        }
        flags = all;
        return this;
    }

    /**
     * @param address link-time address of the program's own tracing function, or of the slot ld.so
     *     fills with an imported one's ({@link #TRACER_SLOT})
     * @return this config
     * @throws IllegalStateException when another pass set another tracer
     */
    public RuntimeConfig tracer(long address) {
        if (tracer != 0 && tracer != address) {
            throw new IllegalStateException("two passes want different tracing functions in one runtime");
        }
        tracer = address;
        return this;
    }

    /**
     * @param files where the runtime creates run files and with which permissions
     * @return this config
     * @throws IllegalStateException when another pass chose other settings
     */
    public RuntimeConfig runFiles(RunFiles files) {
        if (!files.equals(RunFiles.DEFAULT)) {
            if (!runFiles.equals(RunFiles.DEFAULT) && !runFiles.equals(files)) {
                throw new IllegalStateException("two passes want run files in different places or modes");
            }
            runFiles = files;
        }
        return this;
    }

    /**
     * Asks for a run-file region: a page-aligned read-write segment of its own that the runtime maps
     * from a run file at start-up. Probes reach it as {@code ProbeContext.symbol(symbol)}.
     *
     * @param symbol which region: {@link ProbeContext#RUN_FILE_REGION} (counters, a .ykcov file) or
     *     {@link ProbeContext#TRACE_REGION} (the embedded trace recorder's run, a ykrw-trace file)
     * @param pass the pass that owns it, for messages
     * @param header its initial bytes
     * @param bytes the bytes of the region that form the run file
     * @return this config
     * @throws IllegalStateException when another pass has that region already
     */
    public RuntimeConfig region(String symbol, String pass, byte[] header, long bytes) {
        if (!symbol.equals(ProbeContext.RUN_FILE_REGION) && !symbol.equals(ProbeContext.TRACE_REGION)) {
            throw new IllegalArgumentException("the runtime has no run-file region " + symbol);
        }
        Region had = regions.putIfAbsent(symbol, new Region(pass, header.clone(), bytes));
        if (had != null) {
            throw new IllegalStateException(had.pass() + " and " + pass + " both want the run-file region " + symbol);
        }
        return this;
    }

    @Override
    public EmbeddedRuntime embed() {
        RuntimeBlob blob = RuntimeBlob.load();
        int config = blob.dataOffsetOf("ykrw_config");
        int aflModeAt = blob.dataOffsetOf("ykrw_afl_mode");
        int aflMapSizeAt = blob.dataOffsetOf("ykrw_afl_map_size");
        int aflPrevAt = blob.dataOffsetOf("ykrw_afl_prev_offset");
        List<EmbeddedRuntime.Region> placed = new ArrayList<>();
        regions.forEach((symbol, r) -> placed.add(new EmbeddedRuntime.Region(symbol, r.header(), (r.bytes() + 0xFFF) & ~0xFFFL)));
        return new EmbeddedRuntime(blob.code(), blob.dataOffset(), blob.data(), blob.symbols(), "ykrw_rt_entry",
                placed, (placement, data) -> {
                    write(data, config, placement);
                    data.putInt(aflModeAt, aflMode);
                    data.putInt(aflMapSizeAt, aflMapSize);
                    data.putLong(aflPrevAt, aflPrevOffset);
                }, LIBRARY_ENTRY);
    }

    /** @return the bytes of a region that form its run file, 0 when no pass asked for it */
    private long fileBytes(String symbol) {
        Region r = regions.get(symbol);
        return r == null ? 0 : r.bytes();
    }

    /** @return the import of pthread_atfork (weak: a program without libc loads, and keeps one file) */
    public static PassRequests.Import forkHook() {
        return new PassRequests.Import("pthread_atfork", "ykrw_atfork", 0, true);
    }

    /**
     * Asks for the fork hook when the output is dynamically linked, so children made by fork write run
     * files of their own (the runtime registers a child handler through libc's pthread_atfork).
     *
     * @param input what the pass reads
     * @param requests where it asks
     */
    public static void hookForks(PassInput input, PassRequests requests) {
        if (!input.linking().isDynamic()) {
            return;
        }
        if (input.canEditDynamicTables()) {
            requests.importFunction(forkHook());
        } else {
            requests.note("forks add to the parent's run file: the input's dynamic tables cannot be extended safely");
        }
    }

    /**
     * @param symbol an imported tracing function
     * @return the request that has ld.so write its address into the config's {@code tracer} field
     */
    public static PassRequests.Import tracerSlot(String symbol) {
        return new PassRequests.Import(symbol, "ykrw_config", TRACER);
    }

    private void write(ByteBuffer data, int at, RuntimePlacement p) {
        data.putLong(at + SELF, p.dataAddress() + at);
        data.putLong(at + ENTRY, p.programEntry());
        data.putLong(at + REGION, p.regionAddress(ProbeContext.RUN_FILE_REGION));
        data.putLong(at + REGION_BYTES, fileBytes(ProbeContext.RUN_FILE_REGION));
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
        data.putLong(at + TRACE_REGION, p.regionAddress(ProbeContext.TRACE_REGION));
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
