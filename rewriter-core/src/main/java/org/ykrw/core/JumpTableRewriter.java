package org.ykrw.core;

import java.util.List;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.emit.ElfImageBuilder;
import org.ykrw.core.ir.JumpTable;
import org.ykrw.core.layout.CodeLayout;
import org.ykrw.core.meta.RelativeRelocations;

/**
 * Points resolved jump tables at the new code, in place: relative entries directly, absolute ones
 * directly in position-dependent files and through their R_X86_64_RELATIVE relocation in PIE (the
 * slot's value is the relocation's addend). Runs before {@link DynamicTablesRewriter}, which copies
 * .rela.dyn from the image and so must see these addends.
 */
final class JumpTableRewriter implements OutputRewriter {
    @Override
    public String name() {
        return "jump-tables";
    }

    @Override
    public void run(RewriteState state) {
        ElfFile elf = state.elf;
        RelativeRelocations relative = elf.isExecutable() ? null : RelativeRelocations.of(elf);
        for (JumpTable t : state.program.jumpTables()) {
            if (retarget(state.image, state.layout, t, relative, state.keptTargets)) {
                state.tablesRetargeted++;
            } else {
                state.tablesKept++;
            }
        }
    }

    /**
     * @param relative the file's RELATIVE relocations (null for position-dependent files)
     * @param keptTargets receives the old targets of slots of moved code left reaching the old code
     * @return true when some entry was retargeted
     */
    private static boolean retarget(ElfImageBuilder image, CodeLayout layout, JumpTable t,
            RelativeRelocations relative, List<Long> keptTargets) {
        boolean any = false;
        for (int i = 0; i < t.entryCount(); i++) {
            Long target = layout.newAddressOfBlock(t.targets().get(i));
            if (target == null) {
                continue;
            }
            if (!retargetSlot(image, t, i, target, relative)) {
                keptTargets.add(t.targets().get(i));
                continue;
            }
            any = true;
        }
        return any;
    }

    /** @return false when slot {@code i} cannot be pointed at {@code target} and keeps reaching the old code */
    private static boolean retargetSlot(ElfImageBuilder image, JumpTable t, int i, long target,
            RelativeRelocations relative) {
        long slot = t.tableAddress() + (long) i * t.entrySize();
        if (t.kind() == JumpTable.Kind.RELATIVE) {
            long rel = target - t.base();
            if (rel != (int) rel) {
                return false;
            }
            image.patch(slot, new byte[] {(byte) rel, (byte) (rel >> 8), (byte) (rel >> 16), (byte) (rel >> 24)});
        } else if (relative != null) {
            RelativeRelocations.FilePatch p = relative.set(slot, target);
            if (p == null) {
                return false;  // no RELATIVE relocation sets this slot: leave it reaching the old code
            }
            image.patchFile(p.fileOffset(), p.bytes());
        } else {
            byte[] v = new byte[8];
            for (int k = 0; k < 8; k++) {
                v[k] = (byte) (target >>> (8 * k));
            }
            image.patch(slot, v);
        }
        return true;
    }
}
