package org.ykrw.core.elf;

import java.util.Optional;

/**
 * Recognises a file that ykrw's {@code rewrite} or {@code instrument} wrote. Such a file must not be
 * rewritten again: its old code is entered through jumps into the moved copy, whose code and runtime
 * a second rewrite would move and instrument once more (the result of {@code instrument --coverage X
 * --in-place} run twice died with a bus error). {@code strip} and {@code patch} edit bytes in place and stay allowed.
 *
 * <p>The mark is the section every such output has: {@code .ykrw.text}, the moved code, added by every
 * rewrite whether or not a function moved (a null rewrite of a program whose every function stays in
 * place has no {@code .ykrw.map}, but it has this). {@code .ykrw.phdr} (the moved program header
 * table) and {@code .ykrw.map} (the block map of instrument) count too, for files whose sections were
 * edited by other tools. {@code patch}'s {@code .note.ykrw.patch} does not: a patched original is
 * still original code.
 */
public final class YkrwOutput {
    /** Sections only ykrw's rewriting commands write. */
    private static final java.util.List<String> MARKS = java.util.List.of(".ykrw.text", ".ykrw.phdr", ".ykrw.map");

    private YkrwOutput() {
    }

    /**
     * @param elf any input
     * @return the name of the ykrw section that marks {@code elf} as a rewriting command's output, or empty
     */
    public static Optional<String> mark(ElfFile elf) {
        for (Section s : elf.sections()) {
            if (MARKS.contains(s.name())) {
                return Optional.of(s.name());
            }
        }
        return Optional.empty();
    }
}
