package org.ykrw.coverage;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.ykrw.core.blockmap.BlockMap;
import org.ykrw.core.blockmap.BlockMap.MappedFunction;
import org.ykrw.core.elf.ElfFile;

/**
 * The C start-up and tear-down code the toolchain links into every program (crt1.o, crti.o,
 * crtbegin.o): {@code _start}, {@code _init}, {@code _fini}, {@code frame_dummy} and the
 * transactional-memory clone registration. gcov never counts it (it is not compiled with
 * coverage), so coverage summaries leave it out by default, to give the same percentages.
 *
 * <p>By name when the binary has symbols. Stripped, by where the linker puts it: {@code _init} and
 * {@code _fini} are the functions at the start of {@code .init} and {@code .fini}, {@code _start} is
 * at the ELF entry point (of the original; an instrumented file enters the runtime first), and
 * crtbegin.o's four functions lie in a row ending with {@code frame_dummy}, the first
 * {@code .init_array} entry, right after crt1.o's {@code _start} (and, in some glibc versions, the
 * few bytes of {@code _dl_relocate_static_pie}). {@code main} compiled at -O2 sits in
 * {@code .text.startup}, before all of them, and is never taken.
 */
public final class StartupCode {
    /** Names of the start-up functions gcc and clang programs link in (glibc's crt files and libgcc's crtbegin). */
    static final Set<String> NAMES = Set.of("_start", "_init", "_fini", "frame_dummy", "deregister_tm_clones",
            "register_tm_clones", "__do_global_dtors_aux", "_dl_relocate_static_pie");

    /** deregister_tm_clones, register_tm_clones, __do_global_dtors_aux, frame_dummy. */
    static final int CRTBEGIN_FUNCTIONS = 4;

    /** The largest _dl_relocate_static_pie seen between _start and crtbegin.o's code (endbr64; ret). */
    static final long TINY = 16;

    /** Larger than any of crt1.o's and crtbegin.o's functions (at most 0x40 bytes with gcc 12 and clang 16). */
    static final long CRT_FUNCTION_MAX = 0x80;

    private StartupCode() {
    }

    /**
     * @param map the block map
     * @param binary the original or instrumented binary, or null (then by name only)
     * @return indexes of the map's functions that are start-up code
     */
    public static Set<Integer> of(BlockMap map, ElfFile binary) {
        Set<Integer> out = new TreeSet<>();
        for (MappedFunction f : map.functions()) {
            if (NAMES.contains(f.name())) {
                out.add(f.index());
            }
        }
        if (binary != null) {
            byLayout(map, binary, out);
        }
        return out;
    }

    private static void byLayout(BlockMap map, ElfFile binary, Set<Integer> out) {
        for (String name : new String[] {".init", ".fini"}) {
            binary.section(name).ifPresent(s -> at(map, s.address(), out));
        }
        at(map, binary.entry(), out);
        long[] init = binary.initArray();
        List<MappedFunction> fns = map.functions();
        int frameDummy = -1;
        for (MappedFunction f : fns) {
            if (init.length > 0 && f.address() == init[0]) {
                frameDummy = f.index();
            }
        }
        if (frameDummy < CRTBEGIN_FUNCTIONS) {
            return;
        }
        int first = frameDummy - CRTBEGIN_FUNCTIONS + 1;
        int start = first - 1;
        if (fns.get(start).end() - fns.get(start).address() <= TINY && start > 0) {
            start--;
        }
        // crt code is a few dozen bytes a function and has no name but fn_<hex> when stripped: a run
        // with a large or named function is not it (a program without crtbegin.o, whose first
        // .init_array entry is its own constructor)
        for (int i = start; i <= frameDummy; i++) {
            MappedFunction f = fns.get(i);
            if (f.end() - f.address() > CRT_FUNCTION_MAX || !(NAMES.contains(f.name()) || isUnnamed(f))) {
                return;
            }
        }
        for (int i = start; i <= frameDummy; i++) {
            out.add(i);
        }
    }

    private static boolean isUnnamed(MappedFunction f) {
        return f.name().equals(String.format("fn_%x", f.address()));
    }

    private static void at(BlockMap map, long address, Set<Integer> out) {
        for (MappedFunction f : map.functions()) {
            if (f.address() == address && (NAMES.contains(f.name()) || isUnnamed(f))) {
                out.add(f.index());
            }
        }
    }
}
