package org.ykrw.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.emit.DynamicEditor;
import org.ykrw.core.emit.ElfImageBuilder;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;
import org.ykrw.core.layout.CodeLayout;
import org.ykrw.core.layout.StrictFill;
import org.ykrw.core.pass.EmbeddedRuntime;
import org.ykrw.core.pass.PassInput;
import org.ykrw.core.pass.PassRequests;

/**
 * What the output rewriters share: the input, the lifted program, the choice of moved functions, what
 * the passes asked for, the layout, the image being built, and what each rewriter leaves for later ones
 * or for the {@link Rewriter.Result}. Fields are set by the driver before the output rewriters run,
 * except those marked as set by one rewriter, which only later ones in the declared order read.
 */
final class RewriteState {
    /** the input */
    final ElfFile elf;
    /** its lifted program */
    final Program program;
    /** what else to do (strict mode) */
    final RewriteOptions options;
    /** the functions that move, in address order */
    final List<Function> moved;
    /** how each moved function is entered from its old address */
    final EntryJumps entryJumps;
    /** what the passes asked for (runtime, dynamic-linking requests, sections, notes) */
    final PassRequests requests;
    /** how the input is linked */
    final PassInput.Linking linking;
    /** the runtime the passes asked for, or null */
    final EmbeddedRuntime runtime;
    /** the editor of the dynamic tables when the passes or the runtime need one, else null */
    final DynamicEditor dynamic;
    /** the new code's layout */
    final CodeLayout layout;
    /** the new [start, end) of each moved function */
    final Map<Function, long[]> ranges;
    /** the output being built */
    final ElfImageBuilder image;
    /** the new code's segment, reserved and sized by the driver, filled by {@link CodeRewriter} */
    final ElfImageBuilder.SegmentHandle codeSegment;
    /** the unwind work started after the layout */
    final UnwindStep unwind;

    /** set by {@link RuntimeRewriter}: where the runtime went (null without a runtime) */
    RuntimeRewriter.Placed runtimePlaced;
    /** set by {@link CodePointersRewriter}: old entries whose address moved code's leas take as the new entry */
    Set<Long> pointedEntries = Set.of();
    /** set by {@link ThreadLocalRewriter}: the new thread-local template, or null when no pass reserved any */
    ThreadLocalRewriter.Placed threadLocalsPlaced;
    /** set by {@link JumpTableRewriter}: tables now reaching the new code, and those still reaching the old */
    int tablesRetargeted;
    int tablesKept;
    /** set by {@link JumpTableRewriter}: old targets of table slots left reaching the old code */
    final List<Long> keptTargets = new ArrayList<>();
    /** set by {@link StrictModeRewriter}: what strict mode filled and kept, or null */
    StrictFill.Plan strict;
    /** set by {@link UnwindTablesRewriter}: one line on what was written for unwinding */
    String unwindSummary;

    RewriteState(ElfFile elf, Program program, RewriteOptions options, MoveSelection selection, EntryJumps entryJumps,
            PassInput.Linking linking, PassRequests requests, CodeLayout layout, ElfImageBuilder image, ElfImageBuilder.SegmentHandle codeSegment,
            UnwindStep unwind) {
        this.elf = elf;
        this.program = program;
        this.options = options;
        this.moved = selection.moved();
        this.entryJumps = entryJumps;
        this.requests = requests;
        this.linking = linking;
        this.runtime = requests.embeddedRuntime();
        this.dynamic = DynamicLinking.editor(elf, linking, requests, runtime);
        this.layout = layout;
        this.ranges = new HashMap<>();
        for (Function f : layout.functions()) {
            ranges.put(f, layout.newRange(f));
        }
        this.image = image;
        this.codeSegment = codeSegment;
        this.unwind = unwind;
    }

    /** @return true when the runtime starts from DT_INIT (a shared library's) instead of the entry point */
    boolean runtimeStartsFromInit() {
        return DynamicLinking.startsFromInit(linking, runtime);
    }

    /** @return the program's entry point in the output: the new code's when its function moved */
    long programEntryAfterRewrite() {
        Long moved = layout.newAddressOfFunction(elf.entry());
        return moved != null ? moved : elf.entry();
    }
}
