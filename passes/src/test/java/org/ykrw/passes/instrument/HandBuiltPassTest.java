package org.ykrw.passes.instrument;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.EdgeKind;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Probe;
import org.ykrw.core.ir.ProbeContext;
import org.ykrw.core.ir.Program;
import org.ykrw.core.pass.EmbeddedRuntime;
import org.ykrw.core.pass.Pass;
import org.ykrw.core.pass.PassInput;
import org.ykrw.core.pass.PassRequests;
import org.ykrw.core.x86.Insn;
import org.ykrw.core.x86.decode.CapstoneDecoder;
import org.ykrw.core.x86.encode.CodeWriter;

/**
 * CoveragePass, TracePass and AflPass on a program built by hand (no ELF file): which blocks get a probe, in
 * which slot, and what the probe's code does, read back by decoding it.
 *
 * <p>The program: {@code main} (0x1000) compares its arguments and branches on the flags twice, so its
 * second block starts with the flags live; {@code helper} (0x1100) is one block; {@code fixed}
 * (0x0800, so that main's index is 1, not 0) does not move.
 */
class HandBuiltPassTest {
    private static final long REGION = 0x7000_0000L;
    private static final long TRACE = 0x7100_0000L;
    private static final long STUB = 0x6000_0000L;

    /**
     * main: 0x1000 cmp edi, esi; jl 0x1009 | 0x1004 je 0x1009 | 0x1006 xor eax, eax; ret |
     * 0x1009 call helper | 0x100e mov eax, 1; ret.
     */
    private static final int[] MAIN = {0x39, 0xf7, 0x7c, 0x05, 0x74, 0x03, 0x31, 0xc0, 0xc3,
        0xe8, 0xf2, 0x00, 0x00, 0x00, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xc3};

    private Function main;
    private Function helper;
    private Function fixed;

    private Program program(String helperName) {
        main = function("main", 0x1000, MAIN, 0x1004, 0x1006, 0x1009, 0x100e);
        helper = function(helperName, 0x1100, new int[] {0x31, 0xc0, 0xc3});
        fixed = function("fixed", 0x0800, new int[] {0xc3});
        // the call in main's fourth block
        main.addEdge(main.blocks().get(3), helper.blocks().get(0), 0x1100, EdgeKind.CALL);
        return new Program(List.of(fixed, helper, main), List.of(), List.of(), List.of(), 0);
    }

    /** @return what a pass reads of {@code p}, where main and helper move */
    private PassInput input(Program p) {
        return new PassInput(p, Set.of(main, helper), PassInput.Linking.STATIC, "hand-built", PassInput.InputFacts.NONE);
    }

    /** @return requests of an executable without TLS of its own: the recorder may reserve its thread-local bytes */
    private static PassRequests requests(PassInput input) {
        return PassRequests.forInput(input, () -> new org.ykrw.core.pass.ThreadLocalArea(0, 1, null));
    }

    /** Runs {@code pass} over {@code p} (main and helper move) and returns what it asked for. */
    private PassRequests run(Pass pass, Program p) {
        PassInput input = input(p);
        PassRequests requests = requests(input);
        pass.run(input, requests);
        return requests;
    }

    @Test
    void coverageGivesEveryMovedBlockOneByteInOrder() {
        CoveragePass pass = new CoveragePass(CoveragePass.Mode.COVERAGE, BlockFilter.ALL);
        PassRequests ctx = run(pass, program("helper"));
        // functions in address order (main, then helper), blocks in order: slots 0..5
        List<Block> expected = new ArrayList<>(main.blocks());
        expected.addAll(helper.blocks());
        for (int k = 0; k < expected.size(); k++) {
            Block b = expected.get(k);
            assertEquals(k, pass.probes().get(b), b.toString());
            assertEquals(1, b.probesBefore(0).size(), "one probe, at the start of " + b);
            for (int i = 1; i < b.instructionCount(); i++) {
                assertTrue(b.probesBefore(i).isEmpty());
            }
            List<Insn> code = emit(b.probesBefore(0).get(0));
            assertEquals(1, code.size());
            assertEquals("mov", code.get(0).mnemonic());
            assertTrue(code.get(0).opStr().startsWith("byte ptr [rip"), code.get(0).opStr());
            assertTrue(code.get(0).opStr().endsWith(", 1"), code.get(0).opStr());
            assertEquals(REGION + Probes.COUNTERS + k, code.get(0).ripTarget());
        }
        assertEquals(expected.size(), pass.probes().size());
        assertFalse(fixed.blocks().get(0).hasProbes(), "a function that stays in place gets nothing");
        assertNotNull(ctx.embeddedRuntime());
        assertTrue(ctx.unloadedSections().containsKey(".ykrw.map"), ctx.unloadedSections().keySet().toString());
    }

    @Test
    void countsSaveTheFlagsOnlyWhereTheyAreLive() {
        CoveragePass pass = new CoveragePass(CoveragePass.Mode.COUNTS, BlockFilter.ALL);
        run(pass, program("helper"));
        for (Block b : main.blocks()) {
            List<String> ops = emit(b.probesBefore(0).get(0)).stream().map(Insn::mnemonic).toList();
            int k = pass.probes().get(b);
            boolean live = b.address() == 0x1004;   // je reads the flags of main's cmp
            assertEquals(live, ops.contains("pushfq"), b + ": " + ops);
            assertEquals(live, ops.contains("popfq"), b + ": " + ops);
            Insn inc = emit(b.probesBefore(0).get(0)).stream().filter(i -> i.mnemonic().equals("inc")).findFirst()
                    .orElseThrow();
            assertEquals(REGION + Probes.COUNTERS + 8L * k, inc.ripTarget(), "8-byte counter " + k);
        }
    }

    @Test
    void filterChoosesFunctionsByName() {
        CoveragePass pass = new CoveragePass(CoveragePass.Mode.COVERAGE, new BlockFilter(Pattern.compile("help.*"), null));
        run(pass, program("helper"));
        assertEquals(Set.of(helper.blocks().get(0)), pass.probes().keySet());
        assertEquals(0, pass.probes().get(helper.blocks().get(0)));
        main.blocks().forEach(b -> assertFalse(b.hasProbes()));
        CoveragePass skip = new CoveragePass(CoveragePass.Mode.COVERAGE, new BlockFilter(null, Pattern.compile("main")));
        run(skip, program("helper"));
        assertEquals(Set.of(helper.blocks().get(0)), skip.probes().keySet());
    }

    @Test
    void traceRecordsEachBlocksProbeNumberInline() {
        Program p = program("helper");
        TracePass pass = new TracePass(TracePass.Abi.ARGS2, null, BlockFilter.ALL, false, false);
        run(pass, p);
        assertEquals(main.blocks().size() + 1, pass.probes().size());
        for (Function f : List.of(main, helper)) {
            for (Block b : f.blocks()) {
                List<Insn> code = emit(b.probesBefore(0).get(0));
                // the record, stored below the thread's cursor, is the block's probe number + 1
                List<Long> stored = code.stream().filter(i -> i.mnemonic().equals("mov") && i.opStr().startsWith("dword ptr"))
                        .map(HandBuiltPassTest::immediate).toList();
                assertEquals(List.of(pass.probes().get(b) + 1L), stored, b.toString());
                assertTrue(code.stream().anyMatch(i -> i.mnemonic().equals("xadd") && i.opStr().contains("fs:")),
                        "the cursor is thread-local: " + code);
                boolean live = b.address() == 0x1004;
                assertEquals(live, code.stream().anyMatch(i -> i.mnemonic().equals("pushfq")), b.toString());
            }
        }
        assertEquals(List.of(fixed, main, helper), p.functions(), "indices follow addresses");
    }

    @Test
    void traceCallsTheProgramsTracerAndLeavesWhatItCallsAlone() {
        // helper is the program's own yk_trace_basicblock; main calls it, and nothing it calls is traced
        Program p = program("yk_trace_basicblock");
        TracePass pass = new TracePass(TracePass.Abi.ARGS2, null, BlockFilter.ALL, false, false);
        run(pass, p);
        assertFalse(helper.blocks().get(0).hasProbes(), "the tracer is not traced");
        assertEquals(new HashSet<>(main.blocks()), pass.probes().keySet());
        for (Block b : main.blocks()) {
            List<Insn> code = emit(b.probesBefore(0).get(0));
            List<Long> args = code.stream().filter(i -> i.mnemonic().equals("mov") && !i.opStr().contains("["))
                    .map(HandBuiltPassTest::immediate).toList();
            assertEquals(List.of((long) main.index(), (long) b.index()), args, "rdi = function index, rsi = block index");
            assertTrue(code.stream().anyMatch(i -> i.mnemonic().equals("call") && i.target() == STUB));
        }
    }

    @Test
    void packed32PutsBothIndicesInOneArgument() {
        Program p = program("__yk_trace_basicblock");
        TracePass pass = new TracePass(TracePass.Abi.PACKED32, null, BlockFilter.ALL, false, false);
        run(pass, p);
        for (Block b : main.blocks()) {
            List<Long> args = emit(b.probesBefore(0).get(0)).stream()
                    .filter(i -> i.mnemonic().equals("mov") && !i.opStr().contains("["))
                    .map(HandBuiltPassTest::immediate).toList();
            assertEquals(List.of((long) main.index() << 16 | b.index()), args);
        }
    }

    /**
     * AFL edge coverage: one probe at the start of each moved block, an id inside the map for each,
     * nothing for the function that stays; a deferred fork server starts at the function named by
     * its address (the same parser as patch's), and a bad name is the option's one-line error.
     */
    @Test
    void aflProbesEveryMovedBlockAndStartsWhereTold() {
        Program p = program("helper");
        AflPass pass = new AflPass(BlockFilter.ALL, 256, AflPass.Start.DEFERRED, "0x1100");
        PassRequests requests = run(pass, p);
        List<Block> moved = new ArrayList<>(main.blocks());
        moved.addAll(helper.blocks());
        assertEquals(Set.copyOf(moved), pass.blockIds().keySet());
        for (Block b : moved) {
            assertEquals(1, b.probesBefore(0).size(), b.toString());
            int id = pass.blockIds().get(b);
            assertTrue(id >= 0 && id < 256, b + ": id " + id);
        }
        assertFalse(fixed.blocks().get(0).hasProbes(), "a function that stays in place gets nothing");
        assertEquals(1, helper.entryProbes().size(), "the deferred start, in helper (0x1100)");
        assertTrue(main.entryProbes().isEmpty());
        assertNotNull(requests.embeddedRuntime());
        assertTrue(requests.unloadedSections().containsKey(".ykrw.map"), requests.unloadedSections().keySet().toString());
        for (String bad : List.of("0xzz", "nosuch")) {
            AflPass badStart = new AflPass(BlockFilter.ALL, 256, AflPass.Start.PERSISTENT, bad);
            Exception e = assertThrows(org.ykrw.core.diag.UnsupportedInputException.class,
                    () -> run(badStart, program("helper")));
            assertTrue(e.getMessage().startsWith("--afl-") && e.getMessage().contains(bad), e.getMessage());
        }
    }

    /**
     * Counts and the embedded trace recorder in one output: one runtime, flags of both, a region each
     * (counters in one, trace records in the other), and each block runs the count, then the record.
     */
    @Test
    void countsAndTraceShareOneRuntimeWithARegionEach() {
        PassInput input = input(program("helper"));
        PassRequests requests = requests(input);
        new CoveragePass(CoveragePass.Mode.COUNTS, BlockFilter.ALL).run(input, requests);
        new TracePass(TracePass.Abi.ARGS2, null, BlockFilter.ALL, false, false).run(input, requests);
        EmbeddedRuntime runtime = requests.embeddedRuntime();
        assertEquals(List.of(ProbeContext.RUN_FILE_REGION, ProbeContext.TRACE_REGION),
                runtime.regions().stream().map(EmbeddedRuntime.Region::symbol).toList());
        for (Block b : main.blocks()) {
            List<Probe> probes = b.probesBefore(0);
            assertEquals(2, probes.size(), b.toString());
            assertTrue(emit(probes.get(0)).stream().anyMatch(i -> i.mnemonic().equals("inc")
                    && i.ripTarget() >= REGION + Probes.COUNTERS && i.ripTarget() < TRACE), "count first: " + b);
            assertTrue(emit(probes.get(1)).stream().anyMatch(i -> i.mnemonic().equals("xadd") && i.opStr().contains("fs:")),
                    "then the record, below the thread's cursor: " + b);
        }
        java.nio.ByteBuffer data = java.nio.ByteBuffer.wrap(runtime.data().clone()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        runtime.configurer().configure(new EmbeddedRuntime.RuntimePlacement(0x6000_0000L, 0x6000_0000L + runtime.dataOffset(),
                java.util.Map.of(ProbeContext.RUN_FILE_REGION, REGION, ProbeContext.TRACE_REGION, TRACE),
                0, 0, 0, 0, 0, 0, 0, 0), data);
        int config = runtime.offsetOf("ykrw_config") - runtime.dataOffset();
        assertEquals(REGION, data.getLong(config + 16), "ykrw_config.region: the counters");
        assertEquals(TRACE, data.getLong(config + 704), "ykrw_config.trace_region: the trace");
        assertEquals(1 | 2, data.getInt(config + 80), "flags: RUN_FILE | TRACE_FILE");
    }

    @Test
    void onceAndToggledSledsCannotShareThePatchSites() {
        PassInput input = input(program("helper"));
        PassRequests requests = requests(input);
        new CoveragePass(CoveragePass.Mode.ONCE, BlockFilter.ALL).run(input, requests);
        TracePass toggled = new TracePass(TracePass.Abi.ARGS2, null, BlockFilter.ALL, true, false);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> toggled.run(input, requests));
        assertTrue(e.getMessage().contains("patch sites"), e.getMessage());
    }

    /** @return the probe's code, written at 0x5000_0000 with the runtime at fixed addresses, decoded */
    private static List<Insn> emit(Probe probe) {
        CodeWriter w = CodeWriter.at(0x5000_0000L);
        probe.emit(w, new ProbeContext() {
            @Override
            public long symbol(String name) {
                return name.equals(ProbeContext.RUN_FILE_REGION) ? REGION
                        : name.equals(ProbeContext.TRACE_REGION) ? TRACE : STUB;
            }

            @Override
            public long trampoline(Consumer<CodeWriter> body) {
                return 0x5100_0000L;
            }

            @Override
            public int patchSite(long site, long trampoline) {
                return 0;
            }
        });
        byte[] bytes = w.toByteArray();
        try (CapstoneDecoder d = new CapstoneDecoder()) {
            List<Insn> insns = d.decode(bytes, 0, bytes.length, 0x5000_0000L, 0);
            assertEquals(0x5000_0000L + bytes.length, insns.get(insns.size() - 1).end(), "the probe decodes whole");
            return insns;
        }
    }

    /** @return the immediate after the last comma of an instruction's operands */
    private static long immediate(Insn i) {
        String text = i.opStr().substring(i.opStr().lastIndexOf(',') + 1).trim();
        return Long.decode(text);
    }

    /**
     * A function with a built CFG as lifting gives it: blocks at {@code starts} (and the entry), branch,
     * fall-through and return edges (liveness needs the last: a block without successors keeps everything live).
     */
    private static Function function(String name, long entry, int[] bytes, long... starts) {
        byte[] code = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            code[i] = (byte) bytes[i];
        }
        List<Insn> insns;
        try (CapstoneDecoder d = new CapstoneDecoder()) {
            insns = d.decode(code, 0, code.length, entry, 0);
        }
        Set<Long> cuts = new HashSet<>();
        for (long s : starts) {
            cuts.add(s);
        }
        Function f = new Function(entry, name);
        List<Insn> current = new ArrayList<>();
        for (Insn i : insns) {
            if (!current.isEmpty() && cuts.contains(i.address())) {
                f.addBlock(current);
                current = new ArrayList<>();
            }
            current.add(i);
        }
        f.addBlock(current);
        List<Block> blocks = f.blocks();
        for (int k = 0; k < blocks.size(); k++) {
            Block b = blocks.get(k);
            Insn last = b.lastInstruction();
            Block next = k + 1 < blocks.size() ? blocks.get(k + 1) : null;
            if (last.hasTarget() && last.flow() != org.ykrw.core.x86.FlowKind.CALL) {
                Block to = blocks.stream().filter(x -> x.address() == last.target()).findFirst().orElse(null);
                f.addEdge(b, to, last.target(), EdgeKind.CONDITIONAL);
            }
            if (last.flow() == org.ykrw.core.x86.FlowKind.RETURN) {
                f.addEdge(b, null, 0, EdgeKind.RETURN);
            }
            if (last.flow().fallsThrough() && next != null) {
                f.addEdge(b, next, last.end(), EdgeKind.FALL_THROUGH);
            }
        }
        f.setEndAddress(entry + code.length);
        f.setCfgBuilt();
        return f;
    }
}
