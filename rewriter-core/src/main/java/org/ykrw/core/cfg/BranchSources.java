package org.ykrw.core.cfg;

import java.util.Arrays;

/**
 * For each branch target inside a lifted function, the addresses of the branches reaching it, in the
 * order they were added. Kept on primitive arrays: a map of boxed targets to lists of boxed sources
 * (with a ten-slot array per list) was the largest single cost of what lifting allocated.
 *
 * <p>Each source is a link in a chain per target: {@code first(target)} gives the first link,
 * {@code next(link)} the one after it, {@code source(link)} the branch's address; -1 ends a chain.
 */
final class BranchSources {
    private static final long EMPTY = Long.MIN_VALUE;  // not a code address

    /** open-addressing table of targets, with the first and last link of each target's chain */
    private long[] targets;
    private int[] firstLink;
    private int[] lastLink;
    private int targetCount;
    /** the links: a branch's address and the next link of the same target (-1: none) */
    private long[] sources;
    private int[] nextLink;
    private int linkCount;

    /** Records that the branch at {@code from} reaches {@code target}. */
    void add(long target, long from) {
        if (targets == null) {
            allocate(16);
            sources = new long[16];
            nextLink = new int[16];
        } else if (2 * (targetCount + 1) > targets.length) {
            rehash();
        }
        if (linkCount == sources.length) {
            sources = Arrays.copyOf(sources, 2 * linkCount);
            nextLink = Arrays.copyOf(nextLink, 2 * linkCount);
        }
        int link = linkCount++;
        sources[link] = from;
        nextLink[link] = -1;
        int slot = slotOf(target);
        if (targets[slot] == EMPTY) {
            targets[slot] = target;
            firstLink[slot] = link;
            targetCount++;
        } else {
            nextLink[lastLink[slot]] = link;
        }
        lastLink[slot] = link;
    }

    /** @return the first link of the branches reaching {@code target}, or -1 when none does */
    int first(long target) {
        if (targets == null) {
            return -1;
        }
        int slot = slotOf(target);
        return targets[slot] == EMPTY ? -1 : firstLink[slot];
    }

    /** @return the link after {@code link} for the same target, or -1 */
    int next(int link) {
        return nextLink[link];
    }

    /** @return the address of the branch of {@code link} */
    long source(int link) {
        return sources[link];
    }

    /** @return the slot holding {@code target}, or the empty slot where it would go */
    private int slotOf(long target) {
        int mask = targets.length - 1;
        for (int i = (int) ((target * 0x9E37_79B9_7F4A_7C15L) >>> 32) & mask; ; i = (i + 1) & mask) {
            long k = targets[i];
            if (k == target || k == EMPTY) {
                return i;
            }
        }
    }

    private void allocate(int capacity) {
        targets = new long[capacity];
        Arrays.fill(targets, EMPTY);
        firstLink = new int[capacity];
        lastLink = new int[capacity];
    }

    private void rehash() {
        long[] oldTargets = targets;
        int[] oldFirst = firstLink;
        int[] oldLast = lastLink;
        allocate(2 * oldTargets.length);
        for (int i = 0; i < oldTargets.length; i++) {
            if (oldTargets[i] != EMPTY) {
                int slot = slotOf(oldTargets[i]);
                targets[slot] = oldTargets[i];
                firstLink[slot] = oldFirst[i];
                lastLink[slot] = oldLast[i];
            }
        }
    }
}
