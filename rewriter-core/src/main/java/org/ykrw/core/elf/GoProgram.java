package org.ykrw.core.elf;

/**
 * Recognises programs built by the Go toolchain (cgo ones included). The Go runtime maps program
 * counters to functions through its own table (.gopclntab) for stack unwinding, garbage-collector stack
 * scanning and panics, so code that runs at addresses the table does not know breaks it: the runtime
 * throws ("unknown pc") and the program exits with status 2 or aborts.
 */
public final class GoProgram {
    private GoProgram() {
    }

    /**
     * @param elf any input
     * @return true when {@code elf} has the Go runtime's sections (.gopclntab, .go.buildinfo) or its
     *     build-id note
     */
    public static boolean isGo(ElfFile elf) {
        for (Section s : elf.sections()) {
            String n = s.name();
            if (n.equals(".gopclntab") || n.equals(".go.buildinfo") || n.equals(".note.go.buildid")) {
                return true;
            }
        }
        return false;
    }
}
