package org.ykrw.core.cfg;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.List;
import java.util.Set;
import org.ykrw.core.cfg.SymbolicValue.Add;
import org.ykrw.core.cfg.SymbolicValue.Index;
import org.ykrw.core.cfg.SymbolicValue.Load;
import org.ykrw.core.cfg.SymbolicValue.Sum;
import org.ykrw.core.cfg.SymbolicValue.Unknown;
import org.ykrw.core.ir.JumpTable;
import org.ykrw.core.x86.FlowKind;
import org.ykrw.core.x86.Insn;
import org.ykrw.core.x86.MemOperand;
import org.ykrw.core.x86.Operand;
import org.ykrw.core.x86.Reg;

/**
 * Recovers jump tables behind indirect jumps by evaluating, backwards along the lifted paths, what the
 * jump's register or memory operand holds, then bounding the table index by the compare that guards
 * it. Recognised: relative tables (gcc/clang PIC: {@code lea T; movsxd; add; jmp}, also gcc -O0's
 * {@code mov; cdqe; add}) and absolute tables ({@code jmp [T + i*8]}, {@code mov r, [T + i*8]; jmp r},
 * in PIE through the relocations of their slots). Nothing is guessed: no bound, no table.
 */
final class JumpTableResolver {
    private static final int SEARCH_BUDGET = 256;

    private final LiftContext ctx;
    private final LiftedFunction fn;

    JumpTableResolver(LiftContext ctx, LiftedFunction fn) {
        this.ctx = ctx;
        this.fn = fn;
    }

    /** @return the table behind {@code jump}, or null */
    JumpTable resolve(Insn jump) {
        TableShape shape = shape(jump);
        if (shape == null) {
            return null;
        }
        int count = bound(shape.index);
        if (count <= 0 || count > ctx.maxTableEntries()) {
            return null;
        }
        List<Long> targets = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long slot = shape.table + (long) i * shape.entrySize;
            if (!ctx.tables().isReadable(slot, shape.entrySize)) {
                return null;
            }
            long target = shape.kind == JumpTable.Kind.RELATIVE ? shape.base + ctx.tables().relativeEntry(slot)
                    : ctx.tables().absoluteEntry(slot);
            if (!isInternal(target) && !isOtherFunctionCode(target)) {
                return null;
            }
            targets.add(target);
        }
        return new JumpTable(shape.kind, shape.table, shape.entrySize, shape.base, List.copyOf(targets),
                jump.address(), null);
    }

    /** Records why an indirect jump stays unresolved, and whether it looked like a table. */
    void classifyUnresolved(Insn jump) {
        TableShape shape = shape(jump);
        if (shape != null) {
            fn.unresolved.put(jump.address(), "no bound found for the table index");
            fn.unresolvedTables.add(jump.address());
        } else {
            fn.pointerTailCalls.add(jump.address());
            fn.unresolved.put(jump.address(), "jump through a computed pointer (tail call)");
        }
    }

    private boolean isInternal(long target) {
        return target >= fn.rangeStart && target < fn.rangeEnd && ctx.image().sameRegion(fn.entry, target)
                && (target == fn.entry || !ctx.functionStarts().contains(target));
    }

    /**
     * Tables may send control into another function's range: gcc moves rarely run cases into a
     * separate {@code .cold} fragment, which has its own FDE. Such targets become function starts.
     */
    private boolean isOtherFunctionCode(long target) {
        if (!ctx.image().isCode(target)) {
            return false;
        }
        return ctx.functionStarts().contains(target) || ctx.inFrame(target);
    }

    /** What the table looks like, before its size is known. */
    private record TableShape(JumpTable.Kind kind, long table, int entrySize, long base, Index index) {
    }

    private TableShape shape(Insn jump) {
        Operand op = jump.operands().isEmpty() ? null : jump.operands().get(0);
        if (op == null) {
            return null;
        }
        SymbolicValue v;
        if (op.kind() == Operand.Kind.MEM) {
            if (op.mem().isRipRelative()) {
                return null;
            }
            v = new Load(address(op.mem(), jump, new HashSet<>()), 8);
        } else if (op.kind() == Operand.Kind.REG) {
            v = eval(op.reg(), jump, new HashSet<>());
        } else {
            return null;
        }
        if (v instanceof Load load && load.size() == 8 && isTableAddress(load.address(), 8)) {
            return new TableShape(JumpTable.Kind.ABSOLUTE, load.address().constant(), 8, 0, load.address().index());
        }
        if (v instanceof Add add) {
            TableShape s = relative(add.left(), add.right());
            return s != null ? s : relative(add.right(), add.left());
        }
        return null;
    }

    private TableShape relative(SymbolicValue entry, SymbolicValue base) {
        if (entry instanceof Load load && load.size() == 4 && isTableAddress(load.address(), 4)
                && base instanceof Sum b && b.isConstant()) {
            return new TableShape(JumpTable.Kind.RELATIVE, load.address().constant(), 4, b.constant(),
                    load.address().index());
        }
        return null;
    }

    private static boolean isTableAddress(Sum a, int scale) {
        return a.index() != null && a.index().scale() == scale && a.constant() > 0;
    }

    // ---- backward evaluation

    private SymbolicValue eval(int reg, Insn at, Set<Long> seen) {
        if (!seen.add(at.address() * 64 + reg) || seen.size() > 64) {  // bounded: paths may loop
            return new Unknown("cycle");
        }
        Insn def = findDef(at, reg);
        if (def == null) {
            Long unique = uniqueLeaConstant(reg);
            return unique != null ? new Sum(unique, null) : new Unknown("no definition");
        }
        String m = def.mnemonic();
        List<Operand> ops = def.operands();
        Operand src = ops.size() > 1 ? ops.get(1) : null;
        switch (m) {
            case "lea":
                return address(src.mem(), def, seen);
            case "mov", "movsxd", "movzx", "movabs":
                if (src == null) {
                    return new Unknown(m);
                }
                if (src.kind() == Operand.Kind.IMM) {
                    return new Sum(src.imm(), null);
                }
                if (src.kind() == Operand.Kind.REG) {
                    return src.size() >= 4 ? eval(src.reg(), def, seen) : new Unknown("narrow copy");
                }
                if (src.mem().isRipRelative() || src.mem().segment() != MemOperand.SEG_NONE) {
                    return new Unknown("load from a fixed address");
                }
                return new Load(address(src.mem(), def, seen), src.size());
            case "cdqe":
                return eval(Reg.RAX, def, seen);
            case "add":
                if (src != null && src.kind() == Operand.Kind.REG && ops.get(0).kind() == Operand.Kind.REG) {
                    return new Add(eval(ops.get(0).reg(), def, seen), eval(src.reg(), def, seen));
                }
                return new Unknown("add");
            default:
                return new Unknown(m);
        }
    }

    /** @return {@code disp + base + index*scale} as a Sum, the non-constant part becoming the index */
    private Sum address(MemOperand mem, Insn at, Set<Long> seen) {
        if (mem.isRipRelative()) {
            return new Sum(at.end() + mem.disp(), null);
        }
        long c = mem.disp();
        Index idx = null;
        if (mem.base() != Reg.NONE) {
            SymbolicValue b = eval(mem.base(), at, seen);
            if (b instanceof Sum s) {
                c += s.constant();
                idx = s.index();
            } else {
                idx = new Index(mem.base(), at.address(), 1);
            }
        }
        if (mem.index() != Reg.NONE) {
            SymbolicValue i = eval(mem.index(), at, seen);
            Index scaled;
            if (i instanceof Sum s && s.isConstant()) {
                c += s.constant() * mem.scale();
                scaled = null;
            } else if (i instanceof Sum s) {
                c += s.constant() * mem.scale();
                scaled = new Index(s.index().reg(), s.index().at(), s.index().scale() * mem.scale());
            } else {
                scaled = new Index(mem.index(), at.address(), mem.scale());
            }
            if (scaled != null) {
                if (idx != null) {
                    return new Sum(0, null);  // two variable terms: not a table address
                }
                idx = scaled;
            }
        }
        return new Sum(c, idx);
    }

    /** @return the constant every {@code lea reg, [rip+X]} in the function loads, when reg has no other definition */
    private Long uniqueLeaConstant(int reg) {
        Long found = null;
        for (Insn i : fn.insns.values()) {
            if ((i.regsWritten() & Reg.bit(reg)) == 0) {
                continue;
            }
            if (!i.mnemonic().equals("lea") || !i.memOperand().isRipRelative()) {
                return null;
            }
            long v = i.ripTarget();
            if (found != null && found != v) {
                return null;
            }
            found = v;
        }
        return found;
    }

    /** @return the nearest instruction before {@code at} on some lifted path that writes {@code reg} */
    private Insn findDef(Insn at, int reg) {
        Set<Long> visited = new HashSet<>();
        List<Long> frontier = new ArrayList<>(List.of(at.address()));
        while (!frontier.isEmpty() && visited.size() < SEARCH_BUDGET) {
            long pos = frontier.remove(frontier.size() - 1);
            for (Insn p : predecessors(pos)) {
                if (!visited.add(p.address())) {
                    continue;
                }
                if ((p.regsWritten() & Reg.bit(reg)) != 0) {
                    return p;
                }
                frontier.add(p.address());
            }
        }
        return null;
    }

    private List<Insn> predecessors(long address) {
        List<Insn> out = new ArrayList<>(2);
        Insn fall = fn.fallThroughPredecessor(address);
        if (fall != null) {
            out.add(fall);
        }
        for (long from : fn.incoming.getOrDefault(address, List.of())) {
            Insn i = fn.insns.get(from);
            if (i != null) {
                out.add(i);
            }
        }
        return out;
    }

    // ---- bounding the index

    /**
     * @return the number of table entries the guarding compare allows for {@code index}, or -1
     */
    private int bound(Index index) {
        Insn at = fn.insns.get(index.at());
        if (at == null) {
            return -1;
        }
        return boundSearch(at, new HashSet<>(Set.of(locationOfReg(index.reg()))), null, new HashSet<>(), 0, Map.of());
    }

    /**
     * @param pending compares already passed (going backwards) on registers that are not aliases of the
     *     index yet, with the bound they give: clang -O0 compares a register and only afterwards (in
     *     program order: before) copies it to the stack slot it loads the index from
     */
    private int boundSearch(Insn from, Set<String> aliases, Insn laterBranch, Set<Long> visited, int depth,
            Map<String, Integer> pending) {
        if (depth > 48 || visited.size() > SEARCH_BUDGET) {
            return -1;
        }
        for (Insn p : predecessors(from.address())) {
            if (!visited.add(p.address())) {
                continue;
            }
            Insn branch = p.flow() == FlowKind.COND_JUMP ? p : laterBranch;
            Map<String, Integer> pend = pending;
            String w = writtenLocation(p);
            int compared = compareBound(p, branch);
            if (compared > 0 && !aliases.contains(location(p.operands().get(0), p))) {
                pend = new HashMap<>(pending);
                pend.put(location(p.operands().get(0), p), compared);
            } else if (w != null && pending.containsKey(w)) {
                pend = new HashMap<>(pending);
                pend.remove(w);  // redefined before the compare: the compare says nothing about the copy
            }
            int r = examine(p, aliases, branch, visited, depth, pend);
            if (r == 0) {
                r = boundSearch(p, aliases, branch, visited, depth + 1, pend);
            }
            if (r > 0) {
                return r;
            }
        }
        return -1;
    }

    /** @return the bound, -1 when the search along this path failed, 0 to go on to the predecessors */
    /** @return the entry count a {@code cmp/sub X, imm} followed by {@code branch} allows, or 0 */
    private static int compareBound(Insn p, Insn branch) {
        List<Operand> ops = p.operands();
        String m = p.mnemonic();
        if (!(m.equals("cmp") || m.equals("sub")) || ops.size() != 2 || ops.get(1).kind() != Operand.Kind.IMM
                || branch == null || location(ops.get(0), p) == null) {
            return 0;
        }
        long imm = ops.get(1).imm();
        return switch (branch.mnemonic()) {
            case "ja", "jbe", "jg", "jle" -> imm >= 0 && imm < Integer.MAX_VALUE ? (int) imm + 1 : 0;
            case "jae", "jb", "jge", "jl" -> imm > 0 && imm < Integer.MAX_VALUE ? (int) imm : 0;
            default -> 0;
        };
    }

    private int examine(Insn p, Set<String> aliases, Insn laterBranch, Set<Long> visited, int depth,
            Map<String, Integer> pending) {
        List<Operand> ops = p.operands();
        String m = p.mnemonic();
        if (m.equals("cmp") && aliases.contains(location(ops.get(0), p))) {
            int b = compareBound(p, laterBranch);
            return b > 0 ? b : -1;
        }
        String written = writtenLocation(p);
        if (written != null && aliases.contains(written)) {
            Operand src = ops.size() > 1 ? ops.get(1) : null;
            if (m.equals("movzx") && src != null && src.size() == 1) {
                // A byte index has at most 256 values; a compare on the byte register may say fewer.
                String from = location(src, p);
                if (from != null && src.kind() == Operand.Kind.REG) {
                    Set<String> next = new HashSet<>(aliases);
                    next.remove(written);
                    next.add(from);
                    int tighter = boundSearch(p, next, laterBranch, visited, depth + 1, pending);
                    if (tighter > 0) {
                        return Math.min(tighter, 256);
                    }
                }
                return 256;
            }
            if (m.equals("and") && src != null && src.kind() == Operand.Kind.IMM && Long.bitCount(src.imm() + 1) == 1
                    && src.imm() > 0 && src.imm() < 65536) {
                return (int) src.imm() + 1;
            }
            if ((m.equals("mov") || m.equals("movsxd") || m.equals("movzx")) && src != null
                    && src.kind() != Operand.Kind.IMM && src.size() >= 4) {
                String from = location(src, p);
                if (from == null) {
                    return -1;
                }
                if (pending.containsKey(from)) {
                    return pending.get(from);
                }
                Set<String> next = new HashSet<>(aliases);
                next.remove(written);
                next.add(from);
                return boundSearch(p, next, laterBranch, visited, depth + 1, pending);
            }
            return -1;  // the index is computed by something we do not follow
        }
        return 0;
    }

    private String writtenLocation(Insn p) {
        if (p.operands().isEmpty()) {
            return null;
        }
        Operand dst = p.operands().get(0);
        if (!dst.written()) {
            return null;
        }
        return location(dst, p);
    }

    private static String locationOfReg(int reg) {
        return "r" + reg;
    }

    /** @return a key for a register or a stack slot, null for anything else */
    private static String location(Operand op, Insn insn) {
        if (op.kind() == Operand.Kind.MEM && op.mem().isRipRelative()) {
            return "g" + Long.toHexString(insn.ripTarget());  // a global variable, as -O2 code compares them
        }
        if (op.kind() == Operand.Kind.REG) {
            return op.reg() == Reg.NONE ? null : locationOfReg(op.reg());
        }
        if (op.kind() == Operand.Kind.MEM) {
            MemOperand m = op.mem();
            if ((m.base() == Reg.RBP || m.base() == Reg.RSP) && m.index() == Reg.NONE) {
                return "m" + m.base() + ":" + m.disp();
            }
        }
        return null;
    }
}
