package org.ykrw.core.emit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The two ELF symbol hash functions against values published with their specifications. */
class DynamicEditorTest {
    @Test
    void gnuHashMatchesTheDjbFunction() {
        assertEquals(0x00001505, DynamicEditor.gnuHash(""));
        assertEquals(0x156b2bb8, DynamicEditor.gnuHash("printf"));
        assertEquals(0x7c967e3f, DynamicEditor.gnuHash("exit"));
    }

    @Test
    void sysvHashMatchesTheAbiFunction() {
        assertEquals(0L, DynamicEditor.sysvHash(""));
        assertEquals(0x077905a6L, DynamicEditor.sysvHash("printf"));
        assertEquals(0x0006cf04L, DynamicEditor.sysvHash("exit"));
    }
}
