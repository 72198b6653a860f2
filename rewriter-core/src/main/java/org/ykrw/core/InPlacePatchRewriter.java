package org.ykrw.core;

import java.util.List;
import org.ykrw.core.diag.YkrwException;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.pass.PassRequests.InPlacePatch;

/**
 * Writes the in-place patches passes asked for ({@link org.ykrw.core.pass.PassRequests#patchInPlace})
 * over the input's code that stays where it is. Used twice: as an output rewriter of a relocating
 * rewrite (patches into the functions that did not move), and alone by
 * {@link Rewriter#rewriteInPlace}, whose output is the input with only these bytes changed.
 */
final class InPlacePatchRewriter implements OutputRewriter {
    @Override
    public String name() {
        return "in-place-patches";
    }

    @Override
    public void run(RewriteState state) {
        for (InPlacePatch p : state.requests.inPlacePatches()) {
            check(state.elf, p);
            state.image.patch(p.address(), p.bytes());
        }
    }

    /**
     * @param elf the input
     * @param patches the patches, in the order asked
     * @return a copy of the input's bytes with every patch written
     */
    static byte[] apply(ElfFile elf, List<InPlacePatch> patches) {
        return apply(elf, patches, elf.data().clone());
    }

    /**
     * @param elf the input
     * @param patches the patches, in the order asked
     * @param image bytes laid out as the input's (at least up to its last loaded byte), written in place
     * @return {@code image}, with every patch written
     */
    static byte[] apply(ElfFile elf, List<InPlacePatch> patches, byte[] image) {
        for (InPlacePatch p : patches) {
            System.arraycopy(p.bytes(), 0, image, (int) check(elf, p), p.bytes().length);
        }
        return image;
    }

    /** @return the file offset of the patch's first byte, once its whole range is known to be code in the file */
    private static long check(ElfFile elf, InPlacePatch p) {
        long offset = codeOffset(elf, p.address(), p.bytes().length);
        if (offset < 0) {
            throw new YkrwException(String.format("%s: cannot patch %d bytes at 0x%x in place: not code in the file",
                    elf.name(), p.bytes().length, p.address()));
        }
        return offset;
    }

    /**
     * @return the file offset of {@code address}, or -1 unless {@code [address, address + length)} is
     *     executable code, backed by consecutive bytes of the file (what an in-place patch may overwrite)
     */
    static long codeOffset(ElfFile elf, long address, int length) {
        long last = address + length - 1;
        long offset = elf.fileOffset(address);
        if (length <= 0 || offset < 0 || elf.fileOffset(last) != offset + length - 1 || !elf.isExecutableAddress(address)
                || !elf.isExecutableAddress(last)) {
            return -1;
        }
        return offset;
    }
}
