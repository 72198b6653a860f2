package org.ykrw.core.x86;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Insn keeps its encoding and small fields packed: every length and field must read back as given. */
class InsnTest {
    private static Insn insn(long address, String hex, FlowKind flow, long target, List<Operand> operands) {
        return new Insn(address, HexFormat.of().parseHex(hex), 7, "x", "", flow, target, operands, 3, 5, true,
                1, 4, 5, 8);
    }

    @Test
    void encodingReadsBackAtEveryLength() {
        String all = "f0112233445566778899aabbccddee";
        for (int n = 1; n <= Insn.MAX_LENGTH; n++) {
            byte[] b = HexFormat.of().parseHex(all.substring(0, 2 * n));
            Insn i = insn(0x1000, all.substring(0, 2 * n), FlowKind.SEQUENTIAL, Insn.NO_TARGET, List.of());
            assertEquals(n, i.length());
            assertEquals(0x1000 + n, i.end());
            assertArrayEquals(b, i.bytes());
            for (int k = 0; k < n; k++) {
                assertEquals(b[k] & 0xFF, i.byteAt(k));
            }
            byte[] dest = new byte[n + 2];
            i.copyBytes(dest, 1);
            assertArrayEquals(b, Arrays.copyOfRange(dest, 1, n + 1));
            // Same value Arrays.hashCode gave when the encoding was a byte[]: hash order is unchanged.
            assertEquals(Long.hashCode(0x1000) * 31 + Arrays.hashCode(b), i.hashCode());
            int past = n;
            assertThrows(IndexOutOfBoundsException.class, () -> i.byteAt(past));
        }
        assertThrows(IllegalArgumentException.class,
                () -> insn(0, all + "00", FlowKind.SEQUENTIAL, Insn.NO_TARGET, List.of()));
    }

    @Test
    void fieldsReadBack() {
        Insn i = insn(0x40, "c3", FlowKind.RETURN, Insn.NO_TARGET, List.of());
        assertEquals(7, i.id());
        assertEquals(FlowKind.RETURN, i.flow());
        assertEquals(3, i.regsRead());
        assertEquals(5, i.regsWritten());
        assertTrue(i.modifiesFlags());
        assertEquals(1, i.dispOffset());
        assertEquals(4, i.dispSize());
        assertEquals(5, i.immOffset());
        assertEquals(8, i.immSize());
        assertEquals("", i.opStr());
    }

    @Test
    void targetIsTheFirstImmediateOfADirectBranch() {
        List<Operand> to = List.of(Operand.imm(0x2000, 8));
        assertEquals(0x2000, insn(0x1000, "e9fb0f0000", FlowKind.JUMP, 0x2000, to).target());
        assertFalse(insn(0x1000, "ffe0", FlowKind.INDIRECT_JUMP, Insn.NO_TARGET, to).hasTarget());
        assertThrows(IllegalArgumentException.class, () -> insn(0x1000, "e9fb0f0000", FlowKind.JUMP, 0x3000, to));
    }

    @Test
    void equalityIsAddressAndEncoding() {
        Insn a = insn(0x10, "90", FlowKind.SEQUENTIAL, Insn.NO_TARGET, List.of());
        assertEquals(a, insn(0x10, "90", FlowKind.TRAP, Insn.NO_TARGET, List.of()));
        assertNotEquals(a, insn(0x11, "90", FlowKind.SEQUENTIAL, Insn.NO_TARGET, List.of()));
        assertNotEquals(a, insn(0x10, "9000", FlowKind.SEQUENTIAL, Insn.NO_TARGET, List.of()));
        assertTrue(insn(0, "6690", FlowKind.SEQUENTIAL, Insn.NO_TARGET, List.of()).isNop());
        assertTrue(insn(0, "f30f1efa", FlowKind.SEQUENTIAL, Insn.NO_TARGET, List.of()).isEndbr64());
        assertFalse(insn(0, "f30f1efa90", FlowKind.SEQUENTIAL, Insn.NO_TARGET, List.of()).isEndbr64());
    }
}
