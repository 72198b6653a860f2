package org.ykrw.core;

import java.util.HashMap;
import java.util.Map;
import org.ykrw.core.ir.Function;
import org.ykrw.core.layout.CodeLayout;
import org.ykrw.core.meta.SymbolTableRewriter;

/** Points the .symtab FUNC symbols of moved functions at their new code (in the .ykrw.text section). */
final class SymbolsRewriter implements OutputRewriter {
    @Override
    public String name() {
        return "symbols";
    }

    @Override
    public void run(RewriteState state) {
        CodeLayout layout = state.layout;
        Map<Long, Long> entries = new HashMap<>();
        for (Function f : layout.functions()) {
            entries.put(f.entryAddress(), layout.newAddressOfFunction(f.entryAddress()));
        }
        SymbolTableRewriter.patches(state.elf, layout.functions(), entries, state.ranges,
                state.image.sectionIndex(".ykrw.text")).forEach(state.image::patchFile);
    }
}
