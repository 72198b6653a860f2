package org.ykrw.core.cfg;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.ykrw.core.ir.JumpTable;
import org.ykrw.core.ir.SkipReason;
import org.ykrw.core.x86.Insn;

/**
 * Raw result of recursive descent over one function, before it becomes IR blocks: the reachable
 * instructions, the block leaders and what the indirect jumps were found to be.
 */
final class LiftedFunction {
    final long entry;
    /** End of the function's own range (FDE end) or Long.MAX_VALUE when unknown. */
    final long rangeEnd;
    /** Start of the function's own range: its entry, or the start of the FDE the entry lies in. */
    final long rangeStart;
    final InsnMap insns;
    final AddressBitSet leaders;
    /** branch target -> addresses of the branches reaching it (inside this function) */
    final BranchSources incoming = new BranchSources();
    /** calls believed never to return when lifting (no fall-through decoded after them) */
    final AddressSet noReturnCalls = new AddressSet();
    final AddressSet callTargets = new AddressSet();
    /** other functions' starts this one jumps to (tail calls) */
    final AddressSet tailCallTargets = new AddressSet();
    /** the function start this one runs into from a non-call instruction, or -1 */
    long fallsInto = -1;
    /** addresses inside this function that other functions jump to */
    final TreeSet<Long> extraRoots = new TreeSet<>();
    /** landing pads of the function's LSDA: entered by the unwinder */
    final AddressSet landingPads = new AddressSet();
    /** code in other functions' ranges that this function's jump tables reach: lifted as entries of their own */
    final AddressSet externalEntries = new AddressSet();
    /** indirect jump address -> resolved table */
    final Map<Long, JumpTable> tables = new LinkedHashMap<>();
    /** indirect jump address -> reason it stays unresolved */
    final Map<Long, String> unresolved = new LinkedHashMap<>();
    /** unresolved jumps that look like tables */
    final AddressSet unresolvedTables = new AddressSet();
    /** indirect jumps that are tail calls through a pointer */
    final AddressSet pointerTailCalls = new AddressSet();
    final List<SkipReason> problems = new ArrayList<>();
    /** the context the function was lifted in, and how many starts that context had learnt then */
    LiftContext liftedIn;
    int startsKnown;

    LiftedFunction(CodeImage image, long entry, long rangeStart, long rangeEnd) {
        this.entry = entry;
        this.rangeStart = rangeStart;
        this.rangeEnd = rangeEnd;
        // Sized from the FDE so the bits rarely grow: growing them was a large part of what lifting allocated.
        long span = rangeEnd == Long.MAX_VALUE ? 0 : rangeEnd - rangeStart;
        this.insns = new InsnMap(image, rangeStart, span);
        this.leaders = new AddressBitSet(rangeStart, span);
    }

    /** @return end of the last reachable instruction */
    long reachedEnd() {
        return insns.isEmpty() ? entry : insns.last().end();
    }

    /** @return the instruction that falls through into {@code address}, or null */
    Insn fallThroughPredecessor(long address) {
        Insn prev = insns.below(address);
        if (prev == null || prev.end() != address) {
            return null;
        }
        boolean falls = prev.flow().fallsThrough() && !noReturnCalls.contains(prev.address());
        return falls ? prev : null;
    }
}
