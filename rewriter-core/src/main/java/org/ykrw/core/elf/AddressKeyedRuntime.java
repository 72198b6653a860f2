package org.ykrw.core.elf;

import java.util.Optional;

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
 *       crashed (SIGSEGV) in {@code --help}, which runs JavaScript.</li>
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
        if (hasSymbol(elf, "v8_Default_embedded_blob_code_")
                || hasSymbol(elf, "_ZNK2v88internal7Isolate18embedded_blob_codeEv")) {
            return Optional.of("V8 embedder: V8 recognises its builtins' frames by return addresses inside"
                    + " the embedded blob in .text");
        }
        return Optional.empty();
    }

    private static boolean hasSymbol(ElfFile elf, String name) {
        return elf.symbols().stream().anyMatch(s -> s.name().equals(name))
                || elf.dynamicSymbols().stream().anyMatch(s -> s.name().equals(name));
    }
}
