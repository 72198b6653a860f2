package org.ykrw.core.analysis;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.ykrw.core.x86.FlowKind;
import org.ykrw.core.x86.Insn;
import org.ykrw.core.x86.Operand;
import org.ykrw.core.x86.Reg;

/**
 * What one instruction does to register liveness, on its own: the registers it may read
 * ({@link #uses}) and the registers it certainly overwrites in full ({@link #kills}). Calls are not
 * handled here: their effect depends on the calling convention, which {@link Liveness} applies.
 *
 * <p>Both sets start from capstone 4's lists in {@link Insn} and are then corrected towards the safe
 * side, because liveness that trusts a wrong kill lets a probe destroy a live value:
 * <ul>
 *   <li>Uses gain FLAGS for instructions that consume a status flag but that capstone 4.0.2 reports
 *       as not reading one (adc, sbb, rcl, rcr, cmc, adcx, adox, fcmov: measured in
 *       {@code LivenessTest}), and every GPR for system calls, whose arguments capstone omits.</li>
 *   <li>A register is killed only when it is an explicit operand written and not read, at least 32
 *       bits wide (an 8- or 16-bit write keeps the rest of the register), and the instruction always
 *       writes it: cmov, bsf/bsr (destination unchanged for a zero source) and adcx/adox (whose
 *       destination capstone marks write-only) kill nothing. Implicit writes (cpuid, cdq, div ...) are
 *       not kills: their width is not recorded. Vector registers are never killed by an instruction:
 *       legacy SSE writes keep the upper ymm/zmm bits, which are part of the same {@link Reg} bit.</li>
 *   <li>FLAGS is killed when capstone says all six status flags are defined and the mnemonic is on a
 *       list checked against the Intel SDM (capstone 4 says so of SSE compares such as
 *       {@code cmpltsd} too), except where that can be false at run time: a shift whose count is in cl
 *       or masks to 0 leaves the flags alone. rep-prefixed cmps/scas (flags kept when rcx is 0) and
 *       system calls (the kernel returns the user's flags) are not on the list.</li>
 *   <li>Zero idioms ({@code xor eax, eax}, {@code sub eax, eax}) kill the register without reading it.</li>
 * </ul>
 */
public final class InsnEffects {
    private InsnEffects() {
    }

    /** Bit of the status flags. */
    static final long FLAGS = Reg.bit(Reg.FLAGS);
    /** rax..r15. */
    static final long ALL_GPRS = 0xFFFFL;

    /** Mnemonics that read a status flag although capstone 4 may not say so. */
    private static final Set<String> FLAG_READERS = Set.of("adc", "sbb", "rcl", "rcr", "cmc", "adcx", "adox",
            "pushf", "pushfq", "pushfd", "lahf", "salc", "into");

    /** Mnemonics whose explicit destination keeps its old value in some executions. */
    private static final Set<String> CONDITIONAL_WRITERS = Set.of("bsf", "bsr", "adcx", "adox");

    /**
     * Mnemonics that leave all six status flags defined or architecturally undefined (so that no
     * correct program reads their old values) in every execution, checked against the Intel SDM. A
     * FLAGS kill needs capstone's word and a place here: capstone 4 also reports SSE compares such as
     * {@code cmpltsd}, which leave EFLAGS alone, as defining every flag.
     */
    private static final Set<String> FLAG_DEFINERS = Set.of("add", "adc", "sub", "sbb", "cmp", "and", "or", "xor",
            "test", "neg", "xadd", "cmpxchg", "mul", "imul", "div", "idiv", "bsf", "bsr", "tzcnt", "lzcnt", "popcnt",
            "andn", "bextr", "blsi", "blsmsk", "blsr", "bzhi", "comisd", "comiss", "ucomisd", "ucomiss", "vcomisd",
            "vcomiss", "vucomisd", "vucomiss", "ptest", "vptest", "xtest", "popf", "popfq",
            "shl", "sal", "shr", "sar", "shld", "shrd");

    /** Shifts whose flags stay unchanged when the (masked) count is zero. */
    private static final Set<String> SHIFTS = Set.of("shl", "sal", "shr", "sar", "shld", "shrd");

    // What a mnemonic alone says, as bits: worked out once per mnemonic (liveness asks for every
    // instruction of the program, and the string tests were most of its time).
    private static final int READS_FLAGS = 1;
    private static final int SYSTEM_CALL = 2;
    private static final int MAY_ZERO = 4;          // xor, sub: a zero idiom with equal operands
    private static final int KEEPS_DESTINATION = 8;  // cmov*, conditional writers
    private static final int DEFINES_FLAGS = 16;
    private static final int SHIFT = 32;
    private static final Map<String, Integer> CLASSES = new ConcurrentHashMap<>();

    private static int classOf(String m) {
        Integer c = CLASSES.get(m);
        if (c == null) {
            c = classify(m);
            CLASSES.put(m, c);
        }
        return c;
    }

    private static int classify(String m) {
        int c = 0;
        if (FLAG_READERS.contains(m) || m.startsWith("fcmov") || m.startsWith("cmov") || m.startsWith("set")
                || m.startsWith("loope") || m.startsWith("loopne") || m.startsWith("loopz") || m.startsWith("loopnz")) {
            c |= READS_FLAGS;
        }
        // syscall, sysenter and int n: control passes to the kernel with all registers
        if (m.equals("syscall") || m.equals("sysenter") || m.equals("int")) {
            c |= SYSTEM_CALL;
        }
        if (m.equals("xor") || m.equals("sub")) {
            c |= MAY_ZERO;
        }
        if (m.startsWith("cmov") || CONDITIONAL_WRITERS.contains(m)) {
            c |= KEEPS_DESTINATION;
        }
        if (FLAG_DEFINERS.contains(baseMnemonic(m))) {
            c |= DEFINES_FLAGS;
        }
        if (SHIFTS.contains(m)) {
            c |= SHIFT;
        }
        return c;
    }

    /**
     * @param i an instruction
     * @return registers ({@link Reg} bits, FLAGS included) whose value before {@code i} it may read
     */
    public static long uses(Insn i) {
        long use = i.regsRead() & ~Reg.bit(Reg.RIP);
        String m = i.mnemonic();
        int c = classOf(m);
        if ((c & READS_FLAGS) != 0 || (i.flow() == FlowKind.COND_JUMP && !m.endsWith("cxz"))) {
            use |= FLAGS;
        }
        if ((c & SYSTEM_CALL) != 0) {
            use |= ALL_GPRS;
        }
        if ((c & MAY_ZERO) != 0 && isZeroIdiom(i)) {
            use &= ~Reg.bit(i.operands().get(0).reg());
        }
        return use;
    }

    /**
     * @param i an instruction that is not a call
     * @return registers ({@link Reg} bits, FLAGS included) whose old value cannot be seen after {@code i}
     */
    public static long kills(Insn i) {
        int c = classOf(i.mnemonic());
        if ((c & SYSTEM_CALL) != 0) {
            // The kernel clobbers rcx and r11 but hands back every other register and the flags.
            return 0;
        }
        long kill = 0;
        if ((i.regsWritten() & FLAGS) != 0 && (c & DEFINES_FLAGS) != 0 && !((c & SHIFT) != 0 && keepsFlagsSometimes(i))) {
            kill |= FLAGS;
        }
        if ((c & KEEPS_DESTINATION) != 0) {
            return kill;
        }
        List<Operand> operands = i.operands();
        for (int k = 0; k < operands.size(); k++) {
            Operand op = operands.get(k);
            if (op.kind() == Operand.Kind.REG && Reg.isGpr(op.reg()) && op.written() && op.size() >= 4
                    && (!op.read() || isZeroIdiom(i))) {
                kill |= Reg.bit(op.reg());
            }
        }
        // A register written here and also read (add eax, ebx) is not dead before it: uses() wins.
        return kill;
    }

    /** @return the mnemonic without a lock prefix ("lock cmpxchg" is "cmpxchg") */
    private static String baseMnemonic(String m) {
        return m.startsWith("lock ") ? m.substring(5) : m;
    }

    /** @return true for {@code xor r, r} and {@code sub r, r} on one register of 32 or 64 bits */
    static boolean isZeroIdiom(Insn i) {
        if (!(i.mnemonic().equals("xor") || i.mnemonic().equals("sub")) || i.operands().size() != 2) {
            return false;
        }
        Operand a = i.operands().get(0);
        Operand b = i.operands().get(1);
        return a.kind() == Operand.Kind.REG && b.kind() == Operand.Kind.REG && a.reg() == b.reg()
                && Reg.isGpr(a.reg()) && a.size() >= 4 && a.size() == b.size();
    }

    /** @return true when an instruction capstone reports as defining all flags may leave them unchanged */
    private static boolean keepsFlagsSometimes(Insn i) {
        String m = i.mnemonic();
        if (!SHIFTS.contains(m)) {
            return false;
        }
        Operand count = i.operands().get(i.operands().size() - 1);
        if (count.kind() != Operand.Kind.IMM || i.operands().size() < 2) {
            return true;  // count in cl: zero at run time keeps the flags
        }
        int width = i.operands().get(0).size();
        long masked = count.imm() & (width == 8 ? 0x3F : 0x1F);
        return masked == 0;
    }
}
