package org.ykrw.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.module.ModuleDescriptor;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * What org.ykrw.core shows a library user: the packages to read, lift, walk the IR, write a pass and
 * rewrite, exported to all; the internals only to ykrw's own modules that need them. (The tests run
 * on the module path, so the module here is the one module-info.java declares.)
 */
class ModuleApiTest {
    @Test
    void exportsTheApiAndOnlyQualifiesInternals() {
        Module m = Rewriter.class.getModule();
        assertTrue(m.isNamed(), "rewriter-core's tests run on the module path");
        ModuleDescriptor d = m.getDescriptor();
        Set<String> toAll = new TreeSet<>();
        Map<String, Set<String>> qualified = new TreeMap<>();
        for (ModuleDescriptor.Exports e : d.exports()) {
            if (e.isQualified()) {
                qualified.put(e.source(), new TreeSet<>(e.targets()));
            } else {
                toAll.add(e.source());
            }
        }
        String p = "org.ykrw.core";
        assertEquals(new TreeSet<>(Set.of(p, p + ".analysis", p + ".cfg", p + ".diag", p + ".elf", p + ".ir",
                p + ".layout", p + ".pass", p + ".report", p + ".x86", p + ".x86.encode")), toAll);
        assertEquals(Map.of(p + ".blockmap", Set.of("org.ykrw.coverage", "org.ykrw.passes"),
                p + ".dwarf", Set.of("org.ykrw.coverage"),
                p + ".x86.decode", Set.of("org.ykrw.coverage")), qualified);
        // everything else (meta: unwind and symbol rewriting; emit: writing ELF) stays inside
        for (String inside : Set.of(p + ".meta", p + ".emit")) {
            assertTrue(d.packages().contains(inside));
            assertTrue(!toAll.contains(inside) && !qualified.containsKey(inside), inside);
        }
    }
}
