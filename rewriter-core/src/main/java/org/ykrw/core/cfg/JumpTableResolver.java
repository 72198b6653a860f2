package org.ykrw.core.cfg;

import com.carrotsearch.hppc.LongArrayList;
import com.carrotsearch.hppc.LongHashSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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
    private static final int REACHING_BUDGET = 20_000;

    private final LiftContext ctx;
    private final LiftedFunction fn;
    /**
     * Set by {@link #bound} when the count came from the index's width ({@code and} with a mask, a
     * zero-extended byte) rather than from a compare: then it only bounds the table from above.
     */
    private boolean widthBound;
    private boolean usedReachingDefs;
    /** Whether an index computed as {@code reg + k} is followed to reg, k moving into the table address. */
    private boolean foldIndexOffsets = true;
    /** Whether the last shape moved a constant from the index into the table address. */
    private boolean offsetFolded;

    /**
     * findDef's and reachingLeaConstant's scratch (neither calls itself or the other while using it),
     * made on the first search: most functions have no indirect jump to resolve
     */
    private LongHashSet scratchVisited;
    /** Set by {@link #findDef} when it found no definition and some path it followed started at the function's entry. */
    private boolean searchReachedEntry;
    private LongArrayList scratchFrontier;
    private List<Insn> scratchPredecessors;

    JumpTableResolver(LiftContext ctx, LiftedFunction fn) {
        this.ctx = ctx;
        this.fn = fn;
    }

    /** @return the table behind {@code jump}, or null */
    JumpTable resolve(Insn jump) {
        JumpTable folded = attempt(jump);
        boolean foldedByWidth = widthBound;
        if (!offsetFolded) {
            return folded;  // nothing was folded: an attempt without folding is the same attempt
        }
        // The index was computed as `reg + k` and followed to reg. Try again as the load uses it: a
        // compare on that value bounds the table exactly, where a compare on reg found on some other
        // path does not (`lea eax, [r13-3]; cmp eax, 0xc; ja D; movsxd rax, [rdi+rax*4]` in perl's
        // sv_clear, r13 compared elsewhere: folding read 3 slots before the table). Lexers'
        // `lea ecx, [r15+1]; cmp ecx, 0x7f` (a case -1) need it too. A compare's exact bound wins over
        // a bound from the index's width.
        foldIndexOffsets = false;
        try {
            JumpTable direct = attempt(jump);
            if (direct != null && !widthBound) {
                return direct;
            }
            if (folded != null && !foldedByWidth) {
                return folded;
            }
            return direct != null && folded == null ? direct : folded;
        } finally {
            foldIndexOffsets = true;
        }
    }

    private JumpTable attempt(Insn jump) {
        offsetFolded = false;
        TableShape shape = shape(jump);
        if (shape == null) {
            return null;
        }
        int count = bound(shape.index);
        if (count <= 0 || count > ctx.maxTableEntries()) {
            return null;
        }
        long[] targets = new long[count];  // boxed only for a table found: most attempts fail
        int n = 0;
        for (int i = 0; i < count; i++) {
            long target = entry(shape, i);
            if (target == fn.rangeEnd && !isOtherFunctionCode(target) && (!widthBound || !offsetFolded)) {
                // clang's unreachable default: the slot points just past the function's last
                // instruction, where no code of it is. No execution takes it; the slot stays as it is.
                // In a table bounded by the index's width the holes may run on past the table's end:
                // reading goes on to the first slot that is neither a hole nor code of the function,
                // and the holes before it are cut off below (lua's `switch (o->tt)` on a tag byte less
                // 5: `add edx, -5` and no compare, slots 4 and 6.. holes, slot 5 a case).
                targets[n++] = JumpTable.HOLE;
                continue;
            }
            if (widthBound && splitsLiftedInsn(target)) {
                break;  // no table sends control into the middle of an instruction: past the table's end
            }
            // A relative table read up to its index's width must stay inside its function: past its
            // real end lie the next tables, whose offsets, added to this table's base, land in the
            // functions around (sqlite3GetToken's 31 slots, bounded by a compare on memory, are
            // followed by other tables). Absolute slots (python's 256 opcode targets, some in
            // _PyEval_EvalFrameDefault.cold) are code pointers whoever's code they reach.
            boolean acceptable = isInternal(target)
                    || (!widthBound || shape.kind == JumpTable.Kind.ABSOLUTE) && isOtherFunctionCode(target);
            if (target == -1 || !acceptable) {
                if (widthBound && !offsetFolded && i > 0 && target != fn.rangeEnd) {
                    // A table indexed by a masked value (computed-goto dispatch: `op & 0x7f` into a
                    // table of 83 labels) is often shorter than the mask allows; the program never
                    // uses an index whose slot holds no code address of this function, so the
                    // table ends at the first such slot. Not at a slot reaching just past the
                    // function (a hole: clang's unreachable default, real slots may follow), nor when
                    // an offset was folded into the table address (slots before the real table would
                    // be read as its start).
                    break;
                }
                return null;
            }
            targets[n++] = target;
        }
        while (n > 0 && targets[n - 1] == JumpTable.HOLE) {
            n--;  // trailing holes of a cut table are not its slots
        }
        if (n == 0) {
            return null;
        }
        List<Long> boxed = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            boxed.add(targets[i]);
        }
        return new JumpTable(shape.kind, shape.table, shape.entrySize, shape.base, List.copyOf(boxed),
                jump.address(), null, widthBound);
    }

    /** @return whether {@code target} lies inside, not at the start of, an instruction lifted so far */
    private boolean splitsLiftedInsn(long target) {
        Insn below = fn.insns.get(target) != null ? null : fn.insns.below(target);
        return below != null && below.end() > target;
    }

    /** @return the code address slot {@code i} of the table holds, or -1 when it cannot be read */
    private long entry(TableShape shape, int i) {
        long slot = shape.table + (long) i * shape.entrySize;
        if (!ctx.tables().isReadable(slot, shape.entrySize)) {
            return -1;
        }
        return shape.kind == JumpTable.Kind.RELATIVE ? shape.base + ctx.tables().relativeEntry(slot)
                : ctx.tables().absoluteEntry(slot);
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
        if (def == null && searchReachedEntry) {
            // Some path from the function's entry reaches here without writing reg: it holds the
            // caller's value there, an argument. clang saves the arguments and copies the switch
            // index out of edi after the bound check (`mov eax, edi`) in a function whose cases load
            // rdi for their calls (`lea rdi, [rip+S]; call puts`): those loads say nothing of the
            // index, and taking one for it made the index a constant and the table no table.
            return new Unknown("the caller's value");
        }
        SymbolicValue v;
        if (def == null) {
            Long unique = uniqueLeaConstant(reg);
            v = unique != null ? new Sum(unique, null) : new Unknown("no definition");
        } else {
            v = evalDef(def, reg, seen);
        }
        if (!(v instanceof Sum s && s.isConstant()) && Reg.isCalleeSaved(reg)) {
            // A table base kept in a callee-saved register for a whole loop (computed-goto dispatch,
            // lexers) is set once before the loop, but other paths may reuse the register: the
            // nearest definition on one path says nothing; all definitions reaching the jump must agree.
            // So too when the nearest search ran out of budget before any definition: in a loop of
            // a thousand blocks (lua's luaV_execute) the `lea` lies further back than it looks.
            Long common = reachingLeaConstant(at, reg);
            if (common != null) {
                usedReachingDefs = true;
                return new Sum(common, null);
            }
        }
        return v;
    }

    private SymbolicValue evalDef(Insn def, int reg, Set<Long> seen) {
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
            } else if (i instanceof Sum s && !foldIndexOffsets && s.constant() != 0) {
                scaled = new Index(mem.index(), at.address(), mem.scale());
            } else if (i instanceof Sum s) {
                offsetFolded |= s.constant() != 0;
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

    /**
     * @return X when every definition of {@code reg} reaching {@code at} along the lifted paths is
     *     {@code lea reg, [rip+X]}, or a copy of a register all of whose definitions reaching the copy
     *     are, else null (also when a path reaches an entry point first)
     */
    private Long reachingLeaConstant(Insn at, int reg) {
        // The search runs over (position, register) pairs, a pair's key being position * 64 + reg:
        // clang moves a loop's table base between callee-saved registers where one is needed for
        // something else (lua's luaV_execute: `mov rbp, r14` ... `mov r14, rbp`), so a definition
        // that copies a whole register sends the search on, from the copy, for its source.
        makeScratch();
        LongHashSet visited = new LongHashSet();
        LongArrayList frontier = scratchFrontier;
        frontier.clear();
        frontier.add(at.address() * 64 + reg);
        List<Insn> preds = scratchPredecessors;
        boolean any = false;
        long found = 0;
        while (!frontier.isEmpty()) {
            long key = frontier.removeLast();
            long pos = key >>> 6;
            int r = (int) (key & 63);
            predecessorsInto(pos, preds);
            if (preds.isEmpty()) {
                return null;  // an entry point: the caller's value
            }
            for (Insn p : preds) {
                long pkey = p.address() * 64 + r;
                if (!visited.add(pkey)) {
                    continue;
                }
                if (visited.size() > REACHING_BUDGET) {
                    return null;
                }
                if (!writes(p, r)) {
                    frontier.add(pkey);
                    continue;
                }
                int copied = copiedRegister(p);
                if (copied >= 0) {
                    frontier.add(p.address() * 64 + copied);
                    continue;
                }
                if (!isRipLea(p) || any && found != p.ripTarget()) {
                    return null;
                }
                any = true;
                found = p.ripTarget();
            }
        }
        return any ? found : null;
    }

    /** @return the source register of {@code mov r64, r64}, else -1 */
    private static int copiedRegister(Insn p) {
        List<Operand> ops = p.operands();
        if (!p.mnemonic().equals("mov") || ops.size() != 2 || ops.get(0).kind() != Operand.Kind.REG
                || ops.get(1).kind() != Operand.Kind.REG || ops.get(1).size() != 8 || ops.get(0).size() != 8) {
            return -1;
        }
        return ops.get(1).reg();
    }

    /**
     * @return whether a table resolved since the last call depended on all reaching definitions of
     *     its base: such tables must be checked again once the function's CFG is complete
     */
    boolean takeUsedReachingDefs() {
        boolean used = usedReachingDefs;
        usedReachingDefs = false;
        return used;
    }

    /** @return the constant every {@code lea reg, [rip+X]} in the function loads, when reg has no other definition */
    private Long uniqueLeaConstant(int reg) {
        // A callee-saved register the prologue pushes is popped only on the way out: that restores
        // the caller's value and leads to a return, never back to the jump.
        boolean popsRestore = isPushed(reg);
        Long found = null;
        for (Insn i : fn.insns.values()) {
            if (!writes(i, reg) || popsRestore && i.mnemonic().equals("pop")) {
                continue;
            }
            Long v = ripLeaTarget(i);
            if (v == null || found != null && !found.equals(v)) {
                return null;
            }
            found = v;
        }
        return found;
    }

    /** @return X for {@code lea r, [rip+X]}, else null */
    private static Long ripLeaTarget(Insn i) {
        return isRipLea(i) ? i.ripTarget() : null;
    }

    /** @return whether {@code i} is {@code lea r, [rip+X]} */
    private static boolean isRipLea(Insn i) {
        return i.mnemonic().equals("lea") && i.memOperand().isRipRelative();
    }

    private boolean isPushed(int reg) {
        for (Insn i : fn.insns.values()) {
            if (i.mnemonic().equals("push") && i.operands().size() == 1
                    && i.operands().get(0).kind() == Operand.Kind.REG && i.operands().get(0).reg() == reg) {
                return true;
            }
        }
        return false;
    }

    /**
     * @return whether {@code i} may change {@code reg}; a call counts as writing rax, where its result
     *     comes back (the decoder lists only what the call instruction itself writes). Without this a
     *     search from `call getdetails; mov ebx, eax` went on past the call to an older `movabs rax,
     *     0x100000001` and took that for the switch index (lua's str_pack, clang -O2). The other
     *     caller-saved registers are not assumed lost: gcc's interprocedural register allocation keeps
     *     values in them across calls to functions it knows leave them alone (switch.c's interpret holds
     *     its table base in r8 and the opcode in edx across `call note`).
     */
    private static boolean writes(Insn i, int reg) {
        return (i.regsWritten() & Reg.bit(reg)) != 0 || reg == Reg.RAX && isCall(i);
    }

    private static boolean isCall(Insn i) {
        return i.flow() == FlowKind.CALL || i.flow() == FlowKind.INDIRECT_CALL;
    }

    /** @return the nearest instruction before {@code at} on some lifted path that writes {@code reg} */
    private Insn findDef(Insn at, int reg) {
        // Asked for every register the evaluation follows: the visited set and lists are reused.
        makeScratch();
        LongHashSet visited = scratchVisited;
        visited.clear();
        LongArrayList frontier = scratchFrontier;
        frontier.clear();
        frontier.add(at.address());
        List<Insn> preds = scratchPredecessors;
        searchReachedEntry = false;
        while (!frontier.isEmpty() && visited.size() < SEARCH_BUDGET) {
            long pos = frontier.removeLast();
            searchReachedEntry |= pos == fn.entry;
            predecessorsInto(pos, preds);
            for (Insn p : preds) {
                if (!visited.add(p.address())) {
                    continue;
                }
                if (writes(p, reg)) {
                    return p;
                }
                frontier.add(p.address());
            }
        }
        return null;
    }

    private void makeScratch() {
        if (scratchVisited == null) {
            scratchVisited = new LongHashSet(SEARCH_BUDGET);
            scratchFrontier = new LongArrayList();
            scratchPredecessors = new ArrayList<>();
        }
    }

    private List<Insn> predecessors(long address) {
        List<Insn> out = new ArrayList<>(2);
        predecessorsInto(address, out);
        return out;
    }

    /** Puts the lifted instructions that may run right before {@code address} into {@code out} (emptied first). */
    private void predecessorsInto(long address, List<Insn> out) {
        out.clear();
        Insn fall = fn.fallThroughPredecessor(address);
        if (fall != null) {
            out.add(fall);
        }
        for (int link = fn.incoming.first(address); link >= 0; link = fn.incoming.next(link)) {
            Insn i = fn.insns.get(fn.incoming.source(link));
            if (i != null) {
                out.add(i);
            }
        }
    }

    // ---- bounding the index

    /**
     * @return the number of table entries the guarding compare allows for {@code index}, or -1
     */
    private int bound(Index index) {
        Insn at = fn.insns.get(index.at());
        widthBound = false;
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
            Insn branch = p.flow() != FlowKind.COND_JUMP ? laterBranch : boundsOnEdgeTo(p, from) ? p : null;
            Map<String, Integer> pend = pending;
            String w = writtenLocation(p);
            int compared = compareBound(p, branch);
            if (compared > 0 && !aliases.contains(location(p.operands().get(0), p))) {
                pend = new HashMap<>(pending);
                pend.put(location(p.operands().get(0), p), compared);
            } else if (w != null && pending.containsKey(w)) {
                pend = new HashMap<>(pending);
                pend.remove(w);  // redefined before the compare: the compare says nothing about the copy
            } else if (clobbersObjectField(p, pending.keySet())) {
                pend = new HashMap<>(pending);
                pend.keySet().removeIf(k -> k.startsWith("o"));
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

    /**
     * @return whether a compare's bound holds on the edge from the conditional jump {@code branch} to
     *     {@code next}: after {@code cmp x, N}, {@code x <= N} (or {@code < N}) on the fall-through of
     *     {@code ja}/{@code jae}/{@code jg}/{@code jge} and on the taken edge of {@code jbe}/{@code jb}/
     *     {@code jle}/{@code jl}. On the other edge the compare gives a lower bound: gcc's
     *     {@code cmp esi, 0x23; jbe L; lea eax, [rsi-0x24]; cmp eax, 0x59; ja D; jmp [T + rax*8]}
     *     (V8's regexp parser) read as esi <= 0x23 made the 36 slots before T, another function's
     *     table, this jump's
     */
    private static boolean boundsOnEdgeTo(Insn branch, Insn next) {
        boolean taken = branch.target() == next.address();
        boolean fallThrough = branch.end() == next.address();
        if (taken == fallThrough) {
            return false;  // both (a jump to the next instruction) or neither: nothing known
        }
        return switch (branch.mnemonic()) {
            case "ja", "jae", "jg", "jge" -> fallThrough;
            case "jbe", "jb", "jle", "jl" -> taken;
            default -> true;  // compareBound gives no bound for other branches anyway
        };
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
        if (clobbersObjectField(p, aliases)) {
            return -1;  // the field compared may not be the field loaded
        }
        if (isCall(p) && aliases.contains(locationOfReg(Reg.RAX))) {
            return -1;  // the index is a call's result: a compare before the call was on another value
        }
        if (m.equals("cmp") && aliases.contains(location(ops.get(0), p))) {
            int b = compareBound(p, laterBranch);
            return b > 0 ? b : -1;
        }
        String written = writtenLocation(p);
        if (written != null && aliases.contains(written)) {
            Operand src = ops.size() > 1 ? ops.get(1) : null;
            if (m.equals("movzx") && src != null && src.size() <= 2) {
                // A byte index has at most 256 values; a compare on the narrow register may say fewer.
                // A 16-bit index (perl's op types: `cmp ax, 0x43; ja; movzx edx, ax`) needs that compare.
                int width = src.size() == 1 ? 256 : 65536;
                // A byte or word loaded from a slot, a global or an object field the guard compared
                // (`cmp byte [rdi], 7; ja; movzx eax, byte [rdi]`) is bounded by that compare too.
                String from = location(src, p);
                if (from != null) {
                    Set<String> next = new HashSet<>(aliases);
                    next.remove(written);
                    next.add(from);
                    int tighter = boundSearch(p, next, laterBranch, visited, depth + 1, pending);
                    if (tighter > 0) {
                        return Math.min(tighter, width);
                    }
                }
                if (src.size() == 2) {
                    return -1;
                }
                widthBound = true;
                return 256;
            }
            if (m.equals("and") && src != null && src.kind() == Operand.Kind.IMM && Long.bitCount(src.imm() + 1) == 1
                    && src.imm() > 0 && src.imm() < 65536) {
                widthBound = true;
                return (int) src.imm() + 1;
            }
            if ((m.equals("add") || m.equals("sub")) && src != null && src.kind() == Operand.Kind.IMM
                    && Math.abs(src.imm()) < 65536) {
                // `movzx ecx, byte [x]; add ecx, -5`: a tag byte shifted to a table index. Only a
                // bound from the byte's width carries over (grown by the shift: an upper bound, the
                // table is cut at its first slot that holds no code); a compare before the shift would
                // need the shift applied, which we do not follow.
                int before = boundSearch(p, aliases, laterBranch, visited, depth + 1, pending);
                return before > 0 && widthBound ? before + (int) Math.abs(src.imm()) : -1;
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

    /**
     * @return whether {@code p} may change an object field the index is loaded from ({@code cmp dword
     *     [rsi+8], 0x14; ja L; mov edx, [rsi+8]; jmp [rdx*8+T]}, a switch on a struct member): it
     *     writes the pointer, stores to memory or calls. Unlike the function's own stack slots, a
     *     field may be reached through other pointers, so any store counts.
     */
    private static boolean clobbersObjectField(Insn p, Set<String> aliases) {
        long bases = 0;
        for (String a : aliases) {
            if (a.startsWith("o")) {
                bases |= Reg.bit(Integer.parseInt(a.substring(1, a.indexOf(':'))));
            }
        }
        if (bases == 0) {
            return false;
        }
        if ((p.regsWritten() & bases) != 0 || isCall(p)) {
            return true;
        }
        String m = p.mnemonic();
        if (m.startsWith("rep") || m.startsWith("stos") || m.startsWith("movs") && p.operands().isEmpty()) {
            return true;
        }
        for (Operand op : p.operands()) {
            if (op.kind() == Operand.Kind.MEM && op.written()) {
                return true;
            }
        }
        return false;
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
            if (m.base() != Reg.NONE && m.index() == Reg.NONE && m.segment() == MemOperand.SEG_NONE) {
                return "o" + m.base() + ":" + m.disp();  // a field of an object: see clobbersObjectField
            }
        }
        return null;
    }
}
