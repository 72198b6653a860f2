package org.ykrw.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ykrw.core.cfg.AddressKeyedCode;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.emit.ElfImageBuilder;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Edge;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;
import org.ykrw.core.x86.Insn;
import org.ykrw.core.x86.encode.CodeWriter;

/**
 * Where and how each moved function is entered from its old address: the bytes written into the old
 * code, and so the bytes a strict rewrite must keep when it fills the rest of the old code with int3.
 *
 * <p>The entry jump is a 5-byte {@code jmp rel32} at the entry (after {@code endbr64}, which CET wants
 * first). It may cover more than the entry block (issue 12: 216 of python3.11's functions stayed in
 * place because their entry block was shorter), since once the function moved its old code runs only
 * through stale pointers the analysis does not know of either way:
 * <ul>
 *   <li>blocks of the same function may be overwritten when nothing but the function itself enters
 *       them: not an indirect target (no jump-table slot, landing pad, other function's jump), every
 *       predecessor in the function; the moved copy has them all;</li>
 *   <li>padding after the function may be overwritten: bytes no function and no block covers that are
 *       the compilers' alignment fill (nop forms, int3).</li>
 * </ul>
 * When even that leaves fewer than 5 bytes (a 3-byte {@code xor eax, eax; ret} right before the next
 * function), the function is entered as E9Patch enters short instructions: a 2-byte {@code jmp rel8}
 * at the entry to a 5-byte slot within 127 bytes, which holds the {@code jmp rel32} to the moved code:
 * a slot of padding, or, asked again once every other function is planned, a slot in the old code of a
 * function planned to move (its bytes only that function entered). A one-byte function gets a punned
 * short jump: its displacement is the byte after it ({@link #planPunned}). Each byte serves one jump only.
 *
 * <p>The bytes written, for a strict fill of old code to keep: {@link #keptRanges} per function,
 * {@link #allKeptRanges} for all (a slot may lie in another function's old code).
 */
final class EntryJumps {
    /**
     * How one moved function is entered: a jump of {@code length} bytes at {@code at}, to its new code
     * ({@code slot} -1) or to a 5-byte slot holding the jump there. A punned entry writes only the
     * short jump's opcode: its displacement is the byte already at {@code at + 1}.
     */
    record Entry(long at, int length, long slot, boolean punned) {
    }

    private final ElfFile elf;
    private final Program program;
    /** Code its runtime finds by address (V8's builtins): no slot may lie there, not even in its padding. */
    private final AddressKeyedCode addressKeyed;
    private final Map<Function, Entry> entries = new HashMap<>();
    /** Old-code bytes already given to an entry jump or a slot. */
    private final Set<Long> used = new HashSet<>();

    EntryJumps(ElfFile elf, Program program) {
        this.elf = elf;
        this.program = program;
        this.addressKeyed = AddressKeyedCode.of(elf);
    }

    /**
     * Plans the entry of a function that may otherwise move. Ask in address order (padding goes to
     * the first that needs it), first with {@code inMovedCode} false for every function, then with it
     * true for those that found no slot: their slot may then lie in the old code of a function planned
     * to move in the first round.
     *
     * @return null when planned, else why the function cannot be entered from its old address
     */
    String plan(Function f, boolean inMovedCode) {
        long at = trampolineAddress(f);
        if (overwritable(f, at, at + 5)) {
            take(at, at + 5);
            entries.put(f, new Entry(at, 5, -1, false));
            return null;
        }
        if (!overwritable(f, at, at + 2)) {
            return SHORTER_THAN_SHORT_JUMP;
        }
        for (int d = 0; d <= 127 - 5 + 1; d++) {
            // nearest first, after the jump and then before it; rel8 reaches [at+2-128, at+2+127]
            for (long slot : new long[] {at + 2 + d, at + 2 - d - 5}) {
                long rel = slot - (at + 2);
                if (rel < -128 || rel > 127 || slot < at + 2 && slot + 5 > at) {
                    continue;
                }
                if (isFreePadding(slot, slot + 5) || inMovedCode && isDeadOldCode(slot, slot + 5)) {
                    take(at, at + 2);
                    take(slot, slot + 5);
                    entries.put(f, new Entry(at, 2, slot, false));
                    return null;
                }
            }
        }
        return NO_SLOT;
    }

    /**
     * Plans the entry of a one-byte function ({@code ret}, or {@code nop} running into the next), asked
     * after every other plan: E9Patch's punning. The short jump's opcode goes at the entry and its
     * displacement is whatever byte follows, as it will be: the opcode of the next function's own entry
     * jump, or a byte nobody writes. That fixes the slot's place; it must be free.
     *
     * @return null when planned, else why the function stays
     */
    String planPunned(Function f) {
        long at = trampolineAddress(f);
        if (!overwritable(f, at, at + 1) || !isFileBackedCode(at, at + 2)) {
            return SHORTER_THAN_SHORT_JUMP;
        }
        int next;
        Entry following = entryAt(at + 1);
        if (following != null) {
            next = following.length() == 5 ? 0xE9 : 0xEB;
        } else if (!used.contains(at + 1)) {
            next = elf.readU8(at + 1);
        } else {
            return SHORTER_THAN_SHORT_JUMP;
        }
        long slot = at + 2 + (byte) next;
        if (slot < at + 2 && slot + 5 > at || !(isFreePadding(slot, slot + 5) || isDeadOldCode(slot, slot + 5))) {
            return "entry block of one byte, and the slot the next byte sends a short jump to is not free";
        }
        take(at, at + 2);  // the next byte too: whatever writes it must write what it is now
        take(slot, slot + 5);
        entries.put(f, new Entry(at, 2, slot, true));
        return null;
    }

    private Entry entryAt(long at) {
        for (Entry e : entries.values()) {
            if (e.at() == at) {
                return e;
            }
        }
        return null;
    }

    /** Why a function stays when its entry is too short and no slot was found within a short jump. */
    static final String NO_SLOT = "entry block shorter than the jump to the new code, and no slot within a short jump";
    static final String SHORTER_THAN_SHORT_JUMP = "entry block shorter than the jump to the new code (and than a short jump)";

    /**
     * @return whether {@code [from, to)} lies in the old code of one function planned to move, where
     *     nothing but that function's own code enters: the moved copy runs instead, so only a pointer
     *     the analysis never saw could reach these bytes (the entry jump makes the same assumption)
     */
    private boolean isDeadOldCode(long from, long to) {
        if (!isFileBackedCode(from, to)) {
            return false;
        }
        Function owner = null;
        for (long a = from; a < to; a++) {
            Block b = program.blockContaining(a);
            if (b == null || used.contains(a) || !entries.containsKey(b.function())
                    || owner != null && b.function() != owner
                    || b.address() == a && (a == b.function().entryAddress() || !enteredOnlyFrom(b.function(), b))) {
                return false;
            }
            owner = b.function();
        }
        return true;
    }

    /** @return how {@code f} is entered, or null when it was not planned */
    Entry entry(Function f) {
        return entries.get(f);
    }

    /**
     * @return the old-code byte ranges {@code [start, end)} the entry of {@code f} writes: the jump at
     *     its entry and, for a short jump, its slot. A strict fill of the old code must keep exactly these.
     */
    List<long[]> keptRanges(Function f) {
        Entry e = entries.get(f);
        List<long[]> out = new ArrayList<>(2);
        if (e != null) {
            out.add(new long[] {e.at(), e.at() + e.length()});
            if (e.slot() >= 0) {
                out.add(new long[] {e.slot(), e.slot() + 5});
            }
        }
        return out;
    }

    /**
     * @return every old-code byte range any entry writes (jumps and slots), in no order: a slot may lie
     *     in another moved function's old code, so a fill of one function's old code must keep these all
     */
    List<long[]> allKeptRanges() {
        List<long[]> out = new ArrayList<>();
        for (Function f : entries.keySet()) {
            out.addAll(keptRanges(f));
        }
        return out;
    }

    /** Writes the entry of {@code f} into the old code, reaching {@code newEntry}. */
    void write(ElfImageBuilder image, Function f, long newEntry) {
        Entry e = entries.get(f);
        long jumpFrom = e.slot() >= 0 ? e.slot() : e.at();
        image.patch(jumpFrom, CodeWriter.at(jumpFrom, 5).jmp(newEntry).toByteArray());
        if (e.punned()) {
            image.patch(e.at(), new byte[] {(byte) 0xEB});
        } else if (e.slot() >= 0) {
            image.patch(e.at(), new byte[] {(byte) 0xEB, (byte) (e.slot() - (e.at() + 2))});
        }
        // a 5-byte jump past the entry block fills the rest of what it covers: nothing runs there
    }

    /** @return whether the bytes {@code [from, to)} may be overwritten by {@code f}'s entry */
    private boolean overwritable(Function f, long from, long to) {
        if (program.nextFunctionEntry(from) < to || !isFileBackedCode(from, to)) {
            return false;
        }
        for (long a = from; a < to; a++) {
            Block b = program.blockContaining(a);
            if (b == null) {
                // f's own unreached bytes or the padding after it, if they are fill
                Function home = program.functionContaining(a);
                if (home != null && home != f || !isFreeFill(a)) {
                    return false;
                }
            } else if (b.function() != f || used.contains(a) || b.address() == a && a != f.entryAddress() && !enteredOnlyFrom(f, b)) {
                return false;
            }
        }
        return true;
    }

    /** @return whether only {@code f}'s own code enters {@code b} */
    private static boolean enteredOnlyFrom(Function f, Block b) {
        if (b.isIndirectTarget()) {
            return false;
        }
        for (Edge e : b.predecessors()) {
            if (e.from().function() != f) {
                return false;
            }
        }
        return true;
    }

    /** @return whether {@code [from, to)} is alignment fill between functions, not yet given to a jump */
    private boolean isFreePadding(long from, long to) {
        if (!isFileBackedCode(from, to)) {
            return false;
        }
        for (long a = from; a < to; a++) {
            if (program.functionContaining(a) != null || !isFreeFill(a)) {
                return false;
            }
        }
        return true;
    }

    /** @return whether the byte at {@code a} is fill outside every block, not yet given to a jump */
    private boolean isFreeFill(long a) {
        return !used.contains(a) && program.blockContaining(a) == null && isFillByte((byte) elf.readU8(a));
    }

    /** @return whether {@code [from, to)} is code of the file's that an entry jump or slot may be written over */
    private boolean isFileBackedCode(long from, long to) {
        long off = elf.fileOffset(from);
        return !addressKeyed.overlaps(from, to) && elf.isExecutableAddress(from) && elf.isExecutableAddress(to - 1)
                && off >= 0 && elf.fileOffset(to - 1) == off + (to - 1 - from);
    }

    /**
     * The bytes gcc's and clang's alignment fill is made of: int3, nop, and the long nops
     * ({@code 66 2e 0f 1f 84 00 00 00 00 00}, {@code 0f 1f 40 00}, {@code 0f 1f 44 00 00}, {@code 0f 1f 80
     * 00 00 00 00}, with data16 prefixes). Not proof that no code is there, but code made of these
     * bytes alone, reached by nothing the analysis saw, is not code a compiler emits.
     */
    private static boolean isFillByte(byte b) {
        return switch (b & 0xFF) {
            case 0xCC, 0x90, 0x66, 0x2E, 0x0F, 0x1F, 0x00, 0x40, 0x44, 0x80, 0x84 -> true;
            default -> false;
        };
    }

    private void take(long from, long to) {
        for (long a = from; a < to; a++) {
            used.add(a);
        }
    }

    /** @return where the entry jump goes: after endbr64 (CET wants it first at indirect-branch targets) */
    static long trampolineAddress(Function f) {
        Insn first = f.entryBlock().instructions().get(0);
        return first.address() == f.entryAddress() && first.isEndbr64() ? f.entryAddress() + 4 : f.entryAddress();
    }
}
