package org.ykrw.core.x86.encode;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ykrw.core.testutil.Tools;
import org.ykrw.core.x86.FlowKind;
import org.ykrw.core.x86.Insn;
import org.ykrw.core.x86.MemOperand;
import org.ykrw.core.x86.Reg;
import org.ykrw.core.x86.decode.CapstoneDecoder;

/**
 * Every form the writer emits, over all registers and addressing modes, compared byte for byte with
 * GNU as (linked by ld at the same address, so absolute branch and rip-relative targets resolve), and
 * decoded back with capstone.
 */
class CodeWriterTest {
    private static final long BASE = 0x401000;
    private static final long FAR = 0x480000;      // beyond rel8 reach
    private static final long DATA = 0x500000;

    @TempDir
    Path dir;

    private record Case(String asm, Consumer<CodeWriter> emit) {
    }

    private static String r64(int r) {
        return Reg.name(r);
    }

    private static String mem(String size, String inner) {
        return size + " ptr [" + inner + "]";
    }

    private List<Case> cases() {
        List<Case> c = new ArrayList<>();
        c.add(new Case("jmp " + FAR, w -> w.jmp(FAR)));
        c.add(new Case("call " + FAR, w -> w.call(FAR)));
        c.add(new Case("ret", CodeWriter::ret));
        c.add(new Case("int3", CodeWriter::int3));
        c.add(new Case("pushfq", CodeWriter::pushfq));
        c.add(new Case("popfq", CodeWriter::popfq));
        c.add(new Case("lahf", CodeWriter::lahf));
        c.add(new Case("sahf", CodeWriter::sahf));
        for (Condition cc : Condition.values()) {
            c.add(new Case("j" + cc.name().toLowerCase() + " " + FAR, w -> w.jcc(cc, FAR)));
        }
        long[] imms = {0, 1, 127, 0x7fffffffL, 0x80000000L, 0xffffffffL, -1, -0x80000000L, 0x123456789abL};
        for (int r = 0; r < 16; r++) {
            final int reg = r;
            c.add(new Case("push " + r64(r), w -> w.push(reg)));
            c.add(new Case("pop " + r64(r), w -> w.pop(reg)));
            c.add(new Case("and " + r64(r) + ", 0xfffffffffffffff0", w -> w.andRegImm8(reg, -16)));
            for (long imm : imms) {
                String asm = imm >= 0 && imm <= 0xffffffffL ? "mov " + r64(r).replace("r", "e").replace("ee", "e") : null;
                String text = imm >= 0 && imm <= 0xffffffffL ? "mov " + r32(r) + ", " + imm
                        : CodeWriter.fitsInt32(imm) ? "mov " + r64(r) + ", " + imm : "movabs " + r64(r) + ", " + imm;
                c.add(new Case(text, w -> w.movImm(reg, imm)));
            }
            for (int s = 0; s < 16; s += 5) {
                final int src = s;
                c.add(new Case("mov " + r64(r) + ", " + r64(s), w -> w.movRegReg(reg, src)));
                c.add(new Case("test " + r64(r) + ", " + r64(s), w -> w.testRegReg(reg, src)));
            }
            // Addressing: every base, with no/8/32-bit displacements, and with an index
            for (long disp : new long[] {0, 8, -128, 0x1000, -0x12345}) {
                Mem m = Mem.base(reg, disp);
                String inner = r64(r) + (disp >= 0 ? " + " + disp : " - " + (-disp));
                c.add(new Case("lea rax, [" + inner + "]", w -> w.lea(Reg.RAX, m)));
                c.add(new Case("mov r9, " + mem("qword", inner), w -> w.movRegMem(Reg.R9, m)));
                c.add(new Case("mov " + mem("qword", inner) + ", rdx", w -> w.movMemReg(m, Reg.RDX)));
                c.add(new Case("push " + mem("qword", inner), w -> w.pushMem(m)));
                c.add(new Case("call " + mem("qword", inner), w -> w.callMem(m)));
                c.add(new Case("inc " + mem("byte", inner), w -> w.incMem(m, 1)));
                c.add(new Case("inc " + mem("qword", inner), w -> w.incMem(m, 8)));
            }
            if (r != Reg.RSP) {
                for (int scale : new int[] {1, 2, 4, 8}) {
                    Mem m = Mem.sib(Reg.R13, reg, scale, 16);
                    String inner = "r13 + " + r64(r) + "*" + scale + " + 16";
                    c.add(new Case("lea r11, [" + inner + "]", w -> w.lea(Reg.R11, m)));
                    Mem noBase = Mem.sib(Reg.NONE, reg, scale, 0x2000);
                    c.add(new Case("mov rcx, " + mem("qword", r64(r) + "*" + scale + " + 0x2000"), w -> w.movRegMem(Reg.RCX, noBase)));
                }
            }
        }
        for (int size : new int[] {1, 2, 4, 8}) {
            String s = switch (size) {
                case 1 -> "byte";
                case 2 -> "word";
                case 4 -> "dword";
                default -> "qword";
            };
            for (long imm : new long[] {1, -1, 100, 1000}) {
                if (size == 1 && imm == 1000) {
                    continue;
                }
                Mem m = Mem.base(Reg.RBX, 24);
                c.add(new Case("add " + mem(s, "rbx + 24") + ", " + imm, w -> w.addMemImm(m, imm, size)));
            }
            Mem rip = Mem.rip(DATA + 0x40);
            c.add(new Case("inc " + mem(s, "rip + ykrw_data + 0x40"), w -> w.incMem(rip, size)));
            c.add(new Case("add " + mem(s, "rip + ykrw_data + 0x40") + ", 1", w -> w.addMemImm(rip, 1, size)));
        }
        for (int r : new int[] {Reg.RAX, Reg.RCX, Reg.RSP, Reg.R8, Reg.R13}) {
            c.add(new Case("xor " + r32(r) + ", 0x1234567", w -> w.xorReg32Imm(r, 0x1234567)));
            c.add(new Case("xor " + r32(r) + ", 5", w -> w.xorReg32Imm(r, 5)));
            c.add(new Case("mov " + r32(r) + ", " + mem("dword", "rip + ykrw_data + 0x48"), w -> w.movReg32Mem(r, Mem.rip(DATA + 0x48))));
            c.add(new Case("adc " + mem("byte", "rax + " + r64(r == Reg.RSP ? Reg.RBX : r) + "*1") + ", 0", w -> w.adcMemImm8(
                    Mem.sib(Reg.RAX, r == Reg.RSP ? Reg.RBX : r, 1, 0), 0)));
        }
        c.add(new Case("lea rsp, [rsp - 128]", w -> w.leaRsp(-128)));
        c.add(new Case("lea rsp, [rsp + 4096]", w -> w.leaRsp(4096)));
        c.add(new Case("lea rdi, [rip + ykrw_data]", w -> w.lea(Reg.RDI, Mem.rip(DATA))));
        c.add(new Case("call qword ptr [rip + ykrw_data + 64]", w -> w.callMem(Mem.rip(DATA + 64))));
        c.add(new Case("mov byte ptr [rip + ykrw_data + 7], 1", w -> w.movMemImm8(Mem.rip(DATA + 7), 1)));
        c.add(new Case("cmp byte ptr [rip + ykrw_data + 9], 0", w -> w.cmpMemImm8(Mem.rip(DATA + 9), 0)));
        c.add(new Case("lock xadd qword ptr [rip + ykrw_data + 16], rax", w -> w.lock().xaddMemReg(Mem.rip(DATA + 16), Reg.RAX)));
        c.add(new Case("lock xadd qword ptr [r12 + 8], r9", w -> w.lock().xaddMemReg(Mem.base(Reg.R12, 8), Reg.R9)));
        c.add(new Case("cmp rax, 16777216", w -> w.cmpRegImm(Reg.RAX, 1 << 24)));
        c.add(new Case("cmp r11, 5", w -> w.cmpRegImm(Reg.R11, 5)));
        c.add(new Case("mov dword ptr [rdx + rax*8], 70000", w -> w.movMemImm32(Mem.sib(Reg.RDX, Reg.RAX, 8, 0), 70000)));
        c.add(new Case("mov dword ptr [r13 + r9*8 + 4], 3", w -> w.movMemImm32(Mem.sib(Reg.R13, Reg.R9, 8, 4), 3)));
        c.add(new Case("cmp rax, qword ptr [rip + ykrw_data + 24]", w -> w.cmpRegMem(Reg.RAX, Mem.rip(DATA + 24))));
        c.add(new Case("cmp r13, qword ptr [rsp + 8]", w -> w.cmpRegMem(Reg.R13, Mem.base(Reg.RSP, 8))));
        c.add(new Case("lock inc qword ptr [rip + ykrw_data + 32]", w -> w.lock().incMem(Mem.rip(DATA + 32), 8)));
        c.add(new Case("lock add qword ptr [rip + ykrw_data + 32], -1", w -> w.lock().addMemImm(Mem.rip(DATA + 32), -1, 8)));
        c.add(new Case("cmp byte ptr fs:[0x28], 0", w -> w.cmpMemImm8(Mem.absolute(0x28).withSegment(MemOperand.SEG_FS), 0)));
        c.add(new Case("mov rax, qword ptr fs:[0x10]", w -> w.movRegMem(Reg.RAX, Mem.absolute(0x10).withSegment(MemOperand.SEG_FS))));
        c.add(new Case("mov rax, qword ptr gs:[rbx + 8]", w -> w.movRegMem(Reg.RAX, Mem.base(Reg.RBX, 8).withSegment(MemOperand.SEG_GS))));
        c.add(new Case("inc dword ptr gs:[rbx + 8]", w -> w.incMem(Mem.base(Reg.RBX, 8).withSegment(MemOperand.SEG_GS), 4)));
        c.add(new Case("inc word ptr fs:[rbx + 8]", w -> w.incMem(Mem.base(Reg.RBX, 8).withSegment(MemOperand.SEG_FS), 2)));
        return c;
    }

    private static String r32(int r) {
        String[] names = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
        return r < 8 ? names[r] : "r" + r + "d";
    }

    @Test
    void matchesGnuAsByteForByte() throws Exception {
        List<Case> cases = cases();
        // ykrw_data is a label in a section linked at DATA, so as emits pc-relative fixups for [rip + ykrw_data].
        StringBuilder asm = new StringBuilder(".intel_syntax noprefix\n.section .ykdata,\"aw\"\nykrw_data: .byte 0\n"
                + ".text\n.globl _start\n_start:\n");
        CodeWriter w = CodeWriter.at(BASE);
        List<Integer> starts = new ArrayList<>();
        for (Case c : cases) {
            asm.append(c.asm()).append('\n');
            starts.add(w.size());
            c.emit().accept(w);
        }
        Path src = dir.resolve("t.s");
        Files.writeString(src, asm);
        Tools.output("as", "--64", "-o", dir.resolve("t.o").toString(), src.toString());
        Tools.output("ld", "-Ttext=0x" + Long.toHexString(BASE), "--section-start=.ykdata=0x" + Long.toHexString(DATA),
                "--oformat", "binary", "-e", "_start", "-o",
                dir.resolve("t.bin").toString(), dir.resolve("t.o").toString());
        byte[] expected = Files.readAllBytes(dir.resolve("t.bin"));
        byte[] ours = w.toByteArray();
        for (int i = 0; i < Math.min(expected.length, ours.length); i++) {
            if (expected[i] != ours[i]) {
                int k = 0;
                while (k + 1 < starts.size() && starts.get(k + 1) <= i) {
                    k++;
                }
                int from = starts.get(k);
                int to = k + 1 < starts.size() ? starts.get(k + 1) : ours.length;
                fail(String.format("'%s': as %s, ours %s", cases.get(k).asm(),
                        HexFormat.of().formatHex(expected, from, Math.min(to + 4, expected.length)),
                        HexFormat.of().formatHex(ours, from, to)));
            }
        }
        // The binary image runs on to the data section at DATA: only the code part is ours.
        assertTrue(expected.length >= ours.length, "as produced " + expected.length + " bytes, ours " + ours.length);
        assertEquals(0, expected[ours.length] == 0 ? 0 : 1, "nothing but padding after our last instruction");
        assertTrue(cases.size() > 500, "cases: " + cases.size());
    }

    @Test
    void measuringModeGivesTheSameSizes() {
        for (Case c : cases()) {
            CodeWriter real = CodeWriter.at(BASE);
            CodeWriter measure = CodeWriter.measuring(BASE);
            c.emit().accept(real);
            c.emit().accept(measure);
            assertEquals(real.size(), measure.size(), c.asm());
            assertEquals(0, measure.toByteArray().length);
        }
    }

    @Test
    void nopsDecodeAsNopsOfTheRightLength() {
        try (CapstoneDecoder dec = new CapstoneDecoder()) {
            for (int n = 1; n <= 40; n++) {
                byte[] b = CodeWriter.at(0).nop(n).toByteArray();
                assertEquals(n, b.length);
                int covered = 0;
                for (Insn i : dec.decode(b, 0, b.length, 0, 0)) {
                    assertTrue(i.isNop(), "nop(" + n + ") decodes to " + i);
                    covered += i.length();
                }
                assertEquals(n, covered, "nop(" + n + ") fully decodes");
            }
        }
    }

    /** nopRun fills any length with NOPs of up to 15 bytes: ceil(n / 15) instructions, all NOPs. */
    @Test
    void nopRunsUseTheFewestInstructions() {
        try (CapstoneDecoder dec = new CapstoneDecoder()) {
            for (int n = 1; n <= 40; n++) {
                byte[] b = CodeWriter.at(0).nopRun(n).toByteArray();
                assertEquals(n, b.length);
                List<Insn> insns = dec.decode(b, 0, b.length, 0, 0);
                assertEquals((n + 14) / 15, insns.size(), n + ": " + insns);
                assertTrue(insns.stream().allMatch(Insn::isNop), n + ": " + insns);
            }
        }
    }

    @Test
    void shortBranchesRefuseFarTargets() {
        assertThrows(DisplacementOutOfRangeException.class, () -> CodeWriter.at(0).jmpShort(200));
        assertThrows(DisplacementOutOfRangeException.class, () -> CodeWriter.at(0).jcc(Condition.E, 1L << 33));
        assertEquals(2, CodeWriter.at(0x100).jccShort(Condition.NE, 0x100 - 126).size());
        assertEquals(Condition.B, Condition.ofMnemonic("jnae"));
        assertEquals(Condition.NE, Condition.ofMnemonic("jnz"));
    }

    /** Relocated real instructions keep their rip-relative targets; branches reach their new targets. */
    @Test
    void relocatesRealInstructions() throws Exception {
        Path ls = Path.of("/usr/bin/ls");
        Tools.SectionInfo text = Tools.section(ls, ".text");
        byte[] file = Files.readAllBytes(ls);
        int rip = 0;
        int branches = 0;
        try (CapstoneDecoder dec = new CapstoneDecoder()) {
            for (Insn i : dec.sweep(file, (int) text.offset(), (int) text.size(), text.address())) {
                long newAddress = i.address() + 0x10_0000;
                CodeWriter w = CodeWriter.at(newAddress);
                if (Relocator.isBranch(i)) {
                    long newTarget = i.target() + 0x20_0000;
                    Relocator.branch(w, i, newTarget, false);
                    byte[] out = w.toByteArray();
                    List<Insn> back = dec.decode(out, 0, out.length, newAddress, 0);
                    Insn last = back.get(back.size() - 1);
                    assertEquals(newTarget, last.target(), i + " -> " + back);
                    assertEquals(Relocator.branchSize(i, false), out.length);
                    if (Relocator.hasShortForm(i) && Relocator.isShortEncoded(i)) {   // the ones the layout may keep short
                        CodeWriter near = CodeWriter.at(newAddress);
                        Relocator.branch(near, i, newAddress + 16, true);
                        assertEquals(Relocator.branchSize(i, true), near.size(), i.toString());
                    }
                    branches++;
                } else if (i.flow() != FlowKind.INVALID) {
                    Relocator.relocate(w, i);
                    byte[] out = w.toByteArray();
                    Insn back = dec.decodeOne(out, 0, newAddress);
                    assertEquals(i.mnemonic(), back.mnemonic(), i.toString());
                    assertEquals(i.length(), back.length());
                    if (i.isRipRelative()) {
                        assertEquals(i.ripTarget(), back.ripTarget(), i.toString());
                        rip++;
                    }
                }
            }
        }
        assertTrue(rip > 1000 && branches > 3000, "rip-relative " + rip + ", branches " + branches);
    }

    /**
     * A code pointer taken with a rip-relative lea can be given another target (a moved function's new
     * entry): the same instruction and length, the new target; only {@code lea} counts as taking one.
     */
    @Test
    void leaTakesAGivenTarget() {
        try (CapstoneDecoder dec = new CapstoneDecoder()) {
            for (String hex : new String[] {"488d3d10000000", "4c8d0510000000", "8d0510000000"}) {   // lea rdi/r8/eax, [rip+16]
                Insn i = dec.decodeOne(HexFormat.of().parseHex(hex), 0, 0x1000);
                assertTrue(Relocator.isRipLea(i), hex);
                CodeWriter w = CodeWriter.at(0x9000);
                Relocator.relocate(w, i, 0x5000_0000L);
                Insn back = dec.decodeOne(w.toByteArray(), 0, 0x9000);
                assertEquals(i.mnemonic() + " " + i.length(), back.mnemonic() + " " + back.length(), hex);
                assertEquals(0x5000_0000L, back.ripTarget(), hex);
            }
            Insn load = dec.decodeOne(HexFormat.of().parseHex("488b0510000000"), 0, 0x1000);   // mov rax, [rip+16]
            assertTrue(load.isRipRelative() && !Relocator.isRipLea(load));
        }
    }

    @Test
    void movesXbeginsAbortTarget() {
        try (CapstoneDecoder dec = new CapstoneDecoder()) {
            for (String hex : new String[] {"c7f810000000", "66c7f81000"}) {  // rel32 and rel16 forms
                Insn i = dec.decodeOne(HexFormat.of().parseHex(hex), 0, 0x1000);
                assertTrue(Relocator.isBranch(i) && !Relocator.hasShortForm(i), hex);
                CodeWriter w = CodeWriter.at(0x9000);
                Relocator.branch(w, i, 0x7000_0000L, false);
                byte[] out = w.toByteArray();
                assertEquals(Relocator.branchSize(i, false), out.length, hex);
                List<Insn> back = dec.decode(out, 0, out.length, 0x9000, 0);
                assertEquals(1, back.size(), hex);
                assertEquals("xbegin", back.get(0).mnemonic());
                assertEquals(0x7000_0000L, back.get(0).target(), hex);
            }
        }
    }

    @Test
    void expandsRel8OnlyBranches() {
        try (CapstoneDecoder dec = new CapstoneDecoder()) {
            for (String hex : new String[] {"e3fe", "67e3fe", "e2fe", "e1fe", "e0fe"}) {
                byte[] b = HexFormat.of().parseHex(hex);
                Insn i = dec.decodeOne(b, 0, 0x1000);
                CodeWriter w = CodeWriter.at(0x9000);
                Relocator.branch(w, i, 0x7000_0000L, false);
                byte[] out = w.toByteArray();
                List<Insn> back = dec.decode(out, 0, out.length, 0x9000, 0);
                assertEquals(3, back.size(), hex);
                assertEquals(i.mnemonic(), back.get(0).mnemonic());
                assertEquals(back.get(2).address(), back.get(0).target(), "taken side reaches the far jmp");
                assertEquals(0x9000 + out.length, back.get(1).target(), "not taken skips the far jmp");
                assertEquals(0x7000_0000L, back.get(2).target());
            }
        }
    }
}
