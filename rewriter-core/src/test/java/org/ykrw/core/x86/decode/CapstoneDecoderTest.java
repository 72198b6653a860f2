package org.ykrw.core.x86.decode;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.ykrw.core.testutil.Tools;
import org.ykrw.core.x86.FlowKind;
import org.ykrw.core.x86.Insn;
import org.ykrw.core.x86.MemOperand;
import org.ykrw.core.x86.Operand;
import org.ykrw.core.x86.Reg;

class CapstoneDecoderTest {
    private static CapstoneDecoder dec;

    @BeforeAll
    static void open() {
        dec = new CapstoneDecoder();
    }

    @AfterAll
    static void close() {
        dec.close();
    }

    private static Insn one(String hex, long address) {
        byte[] b = HexFormat.of().parseHex(hex);
        Insn i = dec.decodeOne(b, 0, address);
        assertNotNull(i, hex);
        assertEquals(b.length, i.length(), "length of " + hex);
        return i;
    }

    @Test
    void repeatedOperandsAndListsAreSharedAndKeepTheirValues() {
        // mov rax, [rbp-8]; add rax, 0x10; mov rax, [rbp-8]; add rax, 0x10; mov rax, [rip+8]; mov rax, [rip+8]
        byte[] code = HexFormat.of().parseHex("488b45f84883c010488b45f84883c010488b0508000000488b0508000000");
        List<Insn> l = dec.decode(code, 0, code.length, 0x1000, 0);
        assertEquals(6, l.size());
        assertSame(l.get(0).operands(), l.get(2).operands());
        assertSame(l.get(1).operands(), l.get(3).operands());
        assertEquals(List.of(Operand.reg(Reg.RAX, 8, false, true),
                Operand.mem(new MemOperand(MemOperand.SEG_NONE, Reg.RBP, Reg.NONE, 1, -8, 8), 8, true, false)),
                l.get(0).operands());
        assertEquals(List.of(Operand.reg(Reg.RAX, 8, true, true), Operand.imm(0x10, 8)), l.get(1).operands());
        // rip-relative operands are not pooled, but are equal values all the same
        assertNotSame(l.get(4).operands(), l.get(5).operands());
        assertEquals(l.get(4).operands(), l.get(5).operands());
    }

    @Test
    void flowKinds() {
        assertEquals(FlowKind.JUMP, one("eb10", 0x1000).flow());
        assertEquals(0x1012, one("eb10", 0x1000).target());
        Insn jne = one("0f8500010000", 0x2000);
        assertEquals(FlowKind.COND_JUMP, jne.flow());
        assertEquals(0x2106, jne.target());
        assertTrue((jne.regsRead() & Reg.bit(Reg.FLAGS)) != 0, "jne reads flags");
        assertEquals(2, jne.immOffset());
        assertEquals(4, jne.immSize());
        Insn call = one("e8fbffffff", 0x3000);
        assertEquals(FlowKind.CALL, call.flow());
        assertEquals(0x3000, call.target());
        assertEquals(FlowKind.INDIRECT_JUMP, one("ffe0", 0).flow());        // jmp rax
        assertEquals(FlowKind.INDIRECT_JUMP, one("ff2500100000", 0).flow()); // jmp [rip+0x1000]
        assertEquals(FlowKind.INDIRECT_CALL, one("ffd0", 0).flow());        // call rax
        assertEquals(FlowKind.RETURN, one("c3", 0).flow());
        assertEquals(FlowKind.TRAP, one("0f0b", 0).flow());                 // ud2
        assertEquals(FlowKind.TRAP, one("f4", 0).flow());                   // hlt
        assertEquals(FlowKind.COND_JUMP, one("e3fe", 0x10).flow());         // jrcxz
        assertEquals(FlowKind.SEQUENTIAL, one("0f05", 0).flow());           // syscall
        // MPX PLT entries: "bnd jmp" is an unconditional jump, with no fall-through
        Insn bndJmp = one("f2e9fa0f0000", 0x4000);
        assertEquals(FlowKind.JUMP, bndJmp.flow(), bndJmp.mnemonic());
        assertEquals(0x5000, bndJmp.target());
        assertEquals(FlowKind.JUMP, one("f2eb10", 0x1000).flow());
    }

    @Test
    void ripRelativeOperandsAndEncodingFields() {
        Insn mov = one("488b0534120000", 0x1000);  // mov rax, [rip+0x1234]
        assertTrue(mov.isRipRelative());
        assertEquals(0x1007 + 0x1234, mov.ripTarget());
        assertEquals(3, mov.dispOffset());
        assertEquals(4, mov.dispSize());
        Insn cmp = one("833d1000000005", 0x4000);  // cmp dword [rip+0x10], 5
        assertEquals(0x4007 + 0x10, cmp.ripTarget());
        assertEquals(2, cmp.dispOffset());
        assertEquals(6, cmp.immOffset());
        assertEquals(1, cmp.immSize());
        Insn lea = one("488d3d00000000", 0x5000);  // lea rdi, [rip]
        assertEquals(0x5007, lea.ripTarget());
        assertEquals(0, lea.memOperand().size(), "lea does not access memory");
        Insn fs = one("64488b042528000000", 0);    // mov rax, fs:[0x28]
        assertEquals(org.ykrw.core.x86.MemOperand.SEG_FS, fs.memOperand().segment());
        assertEquals(0x28, fs.memOperand().disp());
    }

    @Test
    void registerSetsAndFlags() {
        Insn push = one("53", 0);  // push rbx
        assertEquals(Reg.bit(Reg.RBX) | Reg.bit(Reg.RSP), push.regsRead() & (Reg.bit(Reg.RBX) | Reg.bit(Reg.RSP)));
        assertTrue((push.regsWritten() & Reg.bit(Reg.RSP)) != 0);
        Insn add = one("4801d8", 0);  // add rax, rbx
        assertTrue((add.regsWritten() & Reg.bit(Reg.FLAGS)) != 0, "add defines all flags");
        assertTrue((add.regsWritten() & Reg.bit(Reg.RAX)) != 0);
        assertTrue((add.regsRead() & Reg.bit(Reg.RBX)) != 0);
        Insn inc = one("48ffc0", 0);  // inc rax keeps CF
        assertTrue(inc.modifiesFlags());
        assertEquals(0, inc.regsWritten() & Reg.bit(Reg.FLAGS), "inc is not a full flags kill");
        Insn mov = one("4c89c7", 0);  // mov rdi, r8
        assertTrue((mov.regsRead() & Reg.bit(Reg.R8)) != 0);
        assertTrue((mov.regsWritten() & Reg.bit(Reg.RDI)) != 0);
        assertFalse(mov.modifiesFlags());
        Insn movaps = one("0f28c1", 0);  // movaps xmm0, xmm1
        assertTrue((movaps.regsRead() & Reg.bit(Reg.VEC0 + 1)) != 0);
        assertTrue((movaps.regsWritten() & Reg.bit(Reg.VEC0)) != 0);
    }

    @Test
    void stopsAtUndecodableBytesAndSweepCoversThem() {
        byte[] code = HexFormat.of().parseHex("90" + "06" + "90");  // 06 (push es) is invalid in 64-bit mode
        assertEquals(1, dec.decode(code, 0, code.length, 0x100, 0).size());
        List<Insn> swept = dec.sweep(code, 0, code.length, 0x100);
        assertEquals(3, swept.size());
        assertEquals(FlowKind.INVALID, swept.get(1).flow());
        assertEquals(0x102, swept.get(2).address());
    }

    /** Instruction boundaries over all of /usr/bin/ls's .text must agree with objdump's. */
    @Test
    void boundariesAgreeWithObjdump() throws Exception {
        Path ls = Path.of("/usr/bin/ls");
        Tools.SectionInfo text = Tools.section(ls, ".text");
        byte[] file = Files.readAllBytes(ls);
        List<Insn> ours = dec.sweep(file, (int) text.offset(), (int) text.size(), text.address());
        Map<Long, Integer> objdump = new HashMap<>();
        String dump = Tools.output("objdump", "-d", "-j", ".text", "--no-show-raw-insn", "-M", "intel", ls.toString());
        for (String line : dump.split("\n")) {
            String t = line.trim();
            int colon = t.indexOf(':');
            if (colon > 0 && colon <= 16 && t.substring(0, colon).matches("[0-9a-f]+") && t.length() > colon + 1) {
                objdump.put(Long.parseLong(t.substring(0, colon), 16), 1);
            }
        }
        int agree = 0;
        for (Insn i : ours) {
            if (objdump.containsKey(i.address())) {
                agree++;
            }
        }
        assertTrue(ours.size() > 10000, "ls has a sizeable .text");
        double ratio = agree / (double) Math.max(ours.size(), objdump.size());
        assertTrue(ratio >= 0.999, "boundaries agreeing with objdump: " + ratio);
    }
}
