package org.ykrw.core;

import java.util.Map;
import java.util.function.ToLongFunction;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.emit.DynamicEditor;
import org.ykrw.core.emit.ElfImageBuilder;
import org.ykrw.core.pass.EmbeddedRuntime;
import org.ykrw.core.pass.PassInput;
import org.ykrw.core.pass.PassRequests;

/**
 * The rewriter's side of the dynamic-linking requests passes make (DT_NEEDED, imports into the
 * runtime's data, exports of runtime functions) and of starting a shared library's runtime from
 * DT_INIT: it turns runtime symbols into addresses and hands them to {@link DynamicEditor}.
 */
final class DynamicLinking {
    private DynamicLinking() {
    }

    /** @return how {@code elf} is linked, as passes see it */
    static PassInput.Linking of(ElfFile elf) {
        if (elf.isSharedLibrary()) {
            return elf.dynamic().isEmpty() ? PassInput.Linking.OTHER : PassInput.Linking.SHARED_LIBRARY;
        }
        if (elf.isStatic()) {
            return PassInput.Linking.STATIC;   // ET_EXEC or static-pie: not a library, no interpreter
        }
        return elf.isExecutable() || elf.isPie() ? PassInput.Linking.DYNAMIC_EXECUTABLE : PassInput.Linking.OTHER;
    }

    /**
     * A dry run of the edit an optional request needs (a weak import into a scratch image, which is
     * then read back): false when the input's dynamic tables are damaged in a way the editor or the
     * output would trip on. Optional requests (the fork hook) are skipped then; the input is still
     * rewritten, as it would be without them.
     *
     * @return true when the input's dynamic tables can be copied and extended safely
     */
    static boolean isEditable(ElfFile elf) {
        try {
            DynamicEditor editor = new DynamicEditor(elf);
            ElfImageBuilder scratch = new ElfImageBuilder(elf);
            long slot = scratch.addSegment(".ykrw.check", org.ykrw.core.elf.Segment.PF_R | org.ykrw.core.elf.Segment.PF_W,
                    new byte[8], 8);
            editor.importFunction("ykrw_check", slot, true);
            editor.apply(scratch);
            ElfFile.parse(scratch.build(), elf.name()).dynamicSymbols();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** @return true when the runtime starts from DT_INIT instead of the entry point */
    static boolean startsFromInit(PassInput.Linking linking, EmbeddedRuntime runtime) {
        return runtime != null && linking == PassInput.Linking.SHARED_LIBRARY;
    }

    /**
     * @return an editor when the passes asked for dynamic changes or a library's runtime needs DT_INIT,
     *     else null (the output's dynamic tables stay the input's)
     */
    static DynamicEditor editor(ElfFile elf, PassInput.Linking linking, PassRequests requests, EmbeddedRuntime runtime) {
        boolean asked = !requests.needed().isEmpty() || !requests.imports().isEmpty() || !requests.exports().isEmpty();
        return asked || startsFromInit(linking, runtime) ? new DynamicEditor(elf) : null;
    }

    /**
     * Adds the requests to the editor and writes the new tables. Call after the runtime is placed.
     *
     * @param editor from {@link #editor}
     * @param image the output
     * @param linking how the input is linked
     * @param requests what the passes asked for
     * @param runtime the runtime, or null
     * @param runtimeAddress runtime symbol -> its link-time address in the output
     */
    static void apply(DynamicEditor editor, ElfImageBuilder image, PassInput.Linking linking, PassRequests requests,
            EmbeddedRuntime runtime,
            ToLongFunction<String> runtimeAddress) {
        requests.needed().forEach(editor::addNeeded);
        for (PassRequests.Import i : requests.imports()) {
            long slot = runtimeAddress.applyAsLong(i.runtimeSymbol()) + i.offset();
            if (i.threadLocal()) {
                editor.importThreadLocal(i.symbol(), slot);
            } else {
                editor.importFunction(i.symbol(), slot, i.weak());
            }
        }
        for (Map.Entry<String, String> e : requests.exports().entrySet()) {
            editor.exportFunction(e.getKey(), runtimeAddress.applyAsLong(e.getValue()));
        }
        if (startsFromInit(linking, runtime)) {
            if (runtime.initSymbol() == null) {
                throw new IllegalStateException("the runtime has no initializer for shared libraries");
            }
            editor.setInit(runtimeAddress.applyAsLong(runtime.initSymbol()));
        }
        editor.apply(image);
    }
}
