package org.ykrw.core;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.ykrw.core.cfg.CfgBuilder;
import org.ykrw.core.cfg.LiftOptions;
import org.ykrw.core.diag.PhaseTimer;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.Segment;
import org.ykrw.core.emit.ElfImageBuilder;
import org.ykrw.core.ir.Program;
import org.ykrw.core.layout.CodeLayout;
import org.ykrw.core.layout.FunctionPlacement;
import org.ykrw.core.layout.StrictFill;
import org.ykrw.core.pass.Pass;
import org.ykrw.core.pass.CfgVerifier;
import org.ykrw.core.pass.PassInput;
import org.ykrw.core.pass.PassManager;
import org.ykrw.core.pass.PassRequests;
import org.ykrw.core.report.BlockLoss;

/**
 * The driver: read, lift, select, passes, layout, output rewriters, write; each output concern is an
 * {@link OutputRewriter}, run in the order {@link #OUTPUT_REWRITERS} declares. Relocatable functions move to a new code
 * segment; their old entries jump there, so pointers the analysis never saw still work, and the old
 * code stays intact otherwise (anything reaching it runs correct, uninstrumented code and comes back at
 * the next function entry). Resolved jump tables are retargeted in place (absolute ones in PIE through
 * their RELATIVE relocations). Unwind information and .symtab describe the moved code.
 */
public final class Rewriter {
    private Rewriter() {
    }

    /**
     * What a rewrite did.
     *
     * @param output the output file
     * @param placements where each function went and why
     * @param tablesRetargeted jump tables now reaching the new code
     * @param tablesKept jump tables still reaching the old code
     * @param unwind what was written for unwinding, in one line
     * @param instructionMap old instruction address -> new address of the code emitted for it (a read-only view)
     * @param layoutPasses measuring passes branch relaxation took
     * @param passNotes what the passes report, a line each
     * @param artifacts what the passes hand to the caller, by name (e.g. the block map's JSON)
     * @param strict what strict mode filled and kept, or null when not strict
     * @param mayLoseBlocks functions holding an unresolved indirect jump that may be a table
     */
    public record Result(byte[] output, List<FunctionPlacement> placements, int tablesRetargeted, int tablesKept,
            String unwind, Map<Long, Long> instructionMap, int layoutPasses, List<String> passNotes,
            Map<String, byte[]> artifacts, StrictFill.Plan strict, List<BlockLoss.Entry> mayLoseBlocks) {
        /** @return number of relocated functions */
        public long relocated() {
            return placements.stream().filter(FunctionPlacement::relocated).count();
        }
    }

    /**
     * @param elf the input
     * @param options lifting options
     * @return the rewritten file and a report
     */
    public static Result rewrite(ElfFile elf, LiftOptions options) {
        return rewrite(elf, options, List.of());
    }

    /**
     * The steps: 1. read; 2. lift; 3. choose the functions that move; 4. run the passes over the
     * program; 5. lay out the new code (probes included); 6. run the output rewriters; 7. build the file.
     *
     * @param elf the input
     * @param options lifting options
     * @param passes passes to run, in order
     * @return the rewritten file and a report
     */
    public static Result rewrite(ElfFile elf, LiftOptions options, List<Pass> passes) {
        return rewrite(elf, options, passes, RewriteOptions.defaults());
    }

    /**
     * As {@link #rewrite(ElfFile, LiftOptions, List)}, with rewrite options (strict mode).
     *
     * @param elf the input
     * @param options lifting options
     * @param passes passes to run, in order
     * @param rewriteOptions what else to do
     * @return the rewritten file and a report
     */
    public static Result rewrite(ElfFile elf, LiftOptions options, List<Pass> passes, RewriteOptions rewriteOptions) {
        RewriteChecks.input(elf, rewriteOptions);
        // 1. read (the input's hash and unwind information, on the other core while lifting runs)
        CompletableFuture<byte[]> digest = passes.isEmpty() ? null
                : CompletableFuture.supplyAsync(() -> InputViews.sha256(elf.data()));
        UnwindStep unwind = new UnwindStep(elf);
        // 2. lift (marks its own phases)
        Program program = CfgBuilder.lift(elf, options);
        // 3. select the functions that move, planning their entry jumps
        EntryJumps entryJumps = new EntryJumps(elf, program);
        MoveSelection selection = MoveSelection.choose(elf, program, entryJumps, passes);
        PhaseTimer.mark("choose moving functions");
        // 4. passes
        PassInput input = new PassInput(program, new HashSet<>(selection.moved()), DynamicLinking.of(elf),
                java.nio.file.Path.of(elf.name()).getFileName().toString(), InputViews.of(elf, digest));
        PassRequests requests = PassRequests.forInput(input, () -> ThreadLocalLayout.of(elf));
        new PassManager(passes, rewriteOptions.verify()).run(input, requests,
                new CfgVerifier(f -> rewriteOptions.dropLostProbes() || input.isRelocated(f)),
                i -> options.progress().progress("passes", i, passes.size()));
        RewriteChecks.probes(program, input::isRelocated, rewriteOptions);
        RewriteChecks.nothingKept(requests);
        PhaseTimer.mark("lost-probe check");
        // 5. layout, in the new code's segment (reserved first, so it lies right after the input)
        // Progress: layout says when it starts and ends (its measuring passes are not counted ahead),
        // writing counts the output rewriters and the image (emission of the new code is one of them).
        options.progress().progress("layout", 0, 1);
        ElfImageBuilder image = new ElfImageBuilder(elf);
        ElfImageBuilder.SegmentHandle codeSegment = image.reserveSegment(".ykrw.text", Segment.PF_R | Segment.PF_X);
        CodeLayout layout = new CodeLayout(program, selection.moved(), codeSegment.address(), requests.codeOrder());
        codeSegment.size(layout.size());
        PhaseTimer.mark("layout (" + layout.passes() + " passes)");
        RewriteState state = new RewriteState(elf, program, rewriteOptions, selection, entryJumps, input.linking(), requests, layout,
                image, codeSegment, unwind);
        unwind.start(layout, state.ranges);
        // 6. output rewriters, in their declared order
        options.progress().progress("layout", 1, 1);
        int step = 0;
        for (OutputRewriter r : OUTPUT_REWRITERS) {
            options.progress().progress("writing", step++, OUTPUT_REWRITERS.size() + 1);
            r.run(state);
            PhaseTimer.mark(r.name());
        }
        // 7. write
        options.progress().progress("writing", step, OUTPUT_REWRITERS.size() + 1);
        byte[] output = image.build();
        options.progress().progress("writing", step + 1, OUTPUT_REWRITERS.size() + 1);
        PhaseTimer.mark("build image");
        return new Result(output, selection.placements(), state.tablesRetargeted, state.tablesKept,
                state.unwindSummary, layout.instructionMap().asMap(), layout.passes(), requests.notes(),
                requests.artifacts(), state.strict, BlockLoss.of(program, new HashSet<>(selection.moved())));
    }

    /**
     * The output concerns, in the order they run; each one's javadoc says what it needs from those
     * before it. Segments are reserved in this order too (new code, runtime, dynamic tables, unwind).
     */
    static final List<OutputRewriter> OUTPUT_REWRITERS = List.of(
            new RuntimeRewriter(),        // reserves the runtime after the new code; the code calls it
            new ThreadLocalRewriter(),    // the thread-local template with the runtime's bytes
            new CodePointersRewriter(),   // pointers to moved functions: data now, the leas it chose with the code
            new CodeRewriter(),           // the new code, probes included
            new StayingCallsRewriter(),   // needs the new entries; before the passes' patches, which win
            new InPlacePatchRewriter(),   // passes' byte edits in the code that stays
            new JumpTableRewriter(),      // before the dynamic tables copy the addends it sets
            new DynamicTablesRewriter(),  // needs runtime addresses
            new RuntimeDataRewriter(),    // needs the patch sites and the dynamic tables' range
            new PassSectionsRewriter(),
            new SymbolsRewriter(),
            new StrictModeRewriter(),     // needs the kept table targets; before the entry jumps it keeps
            new EntryJumpsRewriter(),
            new CetNoteRewriter(),
            new UnwindTablesRewriter());  // last: waits for the unwind work started after the layout

    /**
     * A rewrite that moves nothing: read, lift, run the passes with no function relocated, and write
     * the input with only the bytes passes asked to patch in place ({@link PassRequests#patchInPlace})
     * changed. What {@code strip} (NOPs over calls) and {@code patch} ({@code ret} over a function's
     * start) need: the output keeps every address, section and segment of the input. A pass that asks
     * to keep the bytes it overwrote ({@link PassRequests#keepOriginals}) gets an output that a later
     * run can undo byte for byte ({@link KeptOriginalsNote}).
     *
     * @param elf the input
     * @param options lifting options
     * @param passes passes to run, in order; they may only patch in place (probes would be lost)
     * @return the patched file and a report (no placements, no layout)
     */
    public static Result rewriteInPlace(ElfFile elf, LiftOptions options, List<Pass> passes) {
        return rewriteInPlace(elf, options, passes, RewriteOptions.defaults());
    }

    /**
     * As {@link #rewriteInPlace(ElfFile, LiftOptions, List)}; of the options only {@code verify} applies.
     * The steps: 1. lift, unless no pass needs a CFG ({@link Pass#needsCfg}) and none is to be verified;
     * 2. the passes; 3. the input with their patches (and the originals they keep).
     */
    public static Result rewriteInPlace(ElfFile elf, LiftOptions options, List<Pass> passes, RewriteOptions rewriteOptions) {
        boolean lift = rewriteOptions.verify() || passes.stream().anyMatch(Pass::needsCfg);
        Program program = lift ? CfgBuilder.lift(elf, options)
                : new Program(List.of(), List.of(), List.of(), List.of(), 0);
        PassInput input = new PassInput(program, java.util.Set.of(), DynamicLinking.of(elf),
                java.nio.file.Path.of(elf.name()).getFileName().toString(), InputViews.of(elf, null));
        PassRequests requests = PassRequests.forInput(input);
        new PassManager(passes, rewriteOptions.verify()).run(input, requests);
        RewriteChecks.probes(program, f -> false, RewriteOptions.defaults());
        byte[] output = requests.keptOriginals() == null ? InPlacePatchRewriter.apply(elf, requests.inPlacePatches())
                : KeptOriginalsNote.read(elf).write(elf, requests.inPlacePatches(), requests.keptOriginals());
        return new Result(output, List.of(), 0, 0, "unwind information unchanged", Map.of(), 0, requests.notes(),
                requests.artifacts(), null, List.of());
    }

    /**
     * @param elf the input
     * @param program its lifted program
     * @return for each function, in address order, whether {@code rewrite} moves it and if not why
     *     (what {@code rewrite --report} and {@code ykrw functions} list)
     */
    public static List<FunctionPlacement> placements(ElfFile elf, Program program) {
        return MoveSelection.placements(elf, program);
    }
}
