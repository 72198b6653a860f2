package org.ykrw.core.x86.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import capstone.Capstone;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.Section;
import org.ykrw.core.x86.Insn;

/**
 * ykrw decodes through its own JNA fast path (large windows of cs_disasm read through a direct
 * buffer, the instruction structs parsed by offset). capstone's own Java binding
 * (com.github.transcurity:capstone, the reference way to call the same library) decodes the same bytes
 * here, and both must agree on every instruction's address, length, mnemonic and operand text: a
 * struct offset or a window boundary the fast path gets wrong shows up as a difference.
 */
class CapstoneBindingCrossCheckTest {
    @Test
    void fastPathAgreesWithTheBindingOnAllOfLs() {
        ElfFile elf = ElfFile.read(java.nio.file.Path.of("/bin/ls"));
        Section text = elf.sections().stream().filter(s -> s.name().equals(".text")).findFirst().orElseThrow();
        byte[] code = elf.bytesAt(text.address(), (int) text.size());
        List<Insn> ours;
        try (CapstoneDecoder decoder = new CapstoneDecoder()) {
            ours = decoder.sweep(code, 0, code.length, text.address());
        }
        Capstone binding = new Capstone(Capstone.CS_ARCH_X86, Capstone.CS_MODE_64);
        Capstone.CsInsn[] theirs;
        try {
            theirs = binding.disasm(code, text.address());
        } finally {
            binding.close();
        }
        assertTrue(theirs.length > 10_000, "the binding decoded " + theirs.length + " instructions");
        int compared = Math.min(ours.size(), theirs.length);
        for (int i = 0; i < compared; i++) {
            Insn a = ours.get(i);
            Capstone.CsInsn b = theirs[i];
            String where = String.format("instruction %d at 0x%x", i, b.address);
            assertEquals(b.address, a.address(), where);
            assertEquals(b.size, a.length(), where);
            assertEquals(b.mnemonic, a.mnemonic(), where);
            assertEquals(b.opStr, a.opStr(), where);
        }
        assertEquals(theirs.length, ours.size(), "instructions decoded");
    }
}
