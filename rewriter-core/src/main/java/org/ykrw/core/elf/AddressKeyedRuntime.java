package org.ykrw.core.elf;

import java.util.Optional;
import org.ykrw.core.diag.UnsupportedInputException;

/**
 * Recognises programs whose language runtime looks its own machine code up by address: it walks the
 * stack and maps each return address to metadata through a table or range fixed at build time. Code
 * moved elsewhere returns to addresses the runtime does not know, and it aborts or crashes however
 * correctly the code itself was relocated. Two such runtimes, found by {@code ykrw sweep /usr/bin}:
 * <ul>
 *   <li>Go (cgo programs included): .gopclntab maps PCs to functions for unwinding, garbage-collector
 *       stack scans and panics; rewritten Go programs exited 2 ("unknown pc") or aborted;</li>
 *   <li>V8 embedders (node): the builtins live in one embedded blob in .text, and V8's stack walker
 *       tells builtin frames by their return address lying inside that blob; rewritten node
 *       crashed (SIGSEGV) in {@code --help}, which runs JavaScript. Only the blob is keyed by
 *       address, so when the symbols say where it lies ({@link V8EmbeddedBlob}) its functions stay in
 *       place (the lifter marks them {@code FOUND_BY_ADDRESS}) and the rest moves; a V8 embedder
 *       without those symbols (stripped) is refused.</li>
 * </ul>
 */
public final class AddressKeyedRuntime {
    private AddressKeyedRuntime() {
    }

    /**
     * @param elf any input
     * @return why moving this program's code would break its runtime, or empty
     */
    public static Optional<String> detect(ElfFile elf) {
        for (Section s : elf.sections()) {
            String n = s.name();
            if (n.equals(".gopclntab") || n.equals(".go.buildinfo") || n.equals(".note.go.buildid")) {
                return Optional.of("Go program: the Go runtime finds functions by address in .gopclntab"
                        + " (unwinding, garbage collection)");
            }
        }
        if (V8EmbeddedBlob.isV8Embedder(elf) && V8EmbeddedBlob.locate(elf).isEmpty()) {
            return Optional.of("V8 embedder without the symbols that locate its embedded blob ("
                    + V8EmbeddedBlob.CODE_SYMBOL + ", " + V8EmbeddedBlob.CODE_SIZE_SYMBOL + "; stripped?):"
                    + " V8 recognises its builtins' frames by return addresses inside that blob in .text");
        }
        return Optional.empty();
    }

    /**
     * The library's own check, made by every rewrite whoever calls it: code moved out of such a
     * program breaks it however correct the move.
     *
     * @param elf the input of a rewrite
     * @throws UnsupportedInputException when {@link #detect} finds a reason
     */
    public static void refuseToMove(ElfFile elf) {
        detect(elf).ifPresent(why -> {
            throw new UnsupportedInputException(elf.name() + ": " + why + ", so moved code breaks it");
        });
    }
}
