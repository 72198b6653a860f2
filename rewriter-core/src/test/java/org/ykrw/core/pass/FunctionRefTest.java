package org.ykrw.core.pass;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.ykrw.core.diag.UnsupportedInputException;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;

/** "A function name or 0xADDRESS", as the options of patch and instrument --afl-entry take it. */
class FunctionRefTest {
    private static final ProgramSymbols SYMBOLS = new ProgramSymbols(List.of(new ProgramSymbols.Symbol("main", 0x1130, 20)));

    @Test
    void namesAndAddresses() {
        FunctionRef byName = FunctionRef.parse("main");
        assertFalse(byName.isAddress());
        assertEquals(OptionalLong.of(0x1130), byName.entryAddress(SYMBOLS));
        FunctionRef byAddress = FunctionRef.parse("0X1130");
        assertTrue(byAddress.isAddress());
        assertEquals(OptionalLong.of(0x1130), byAddress.entryAddress(SYMBOLS));
        assertEquals(OptionalLong.empty(), FunctionRef.parse("other").entryAddress(SYMBOLS));
        // an address above 2^63 is still an address, not a name
        assertTrue(FunctionRef.parse("0xffffffffff600000").isAddress());
        UnsupportedInputException e = assertThrows(UnsupportedInputException.class, () -> FunctionRef.parse("0xmain"));
        assertEquals("0xmain is neither a function name nor a hexadecimal address", e.getMessage());
    }

    @Test
    void findsTheFunctionInALiftedProgram() {
        Function main = new Function(0x1130, "main");
        Program p = new Program(List.of(main), List.of(), List.of(), List.of(), 0);
        assertSame(main, FunctionRef.parse("main").in(p));
        assertSame(main, FunctionRef.parse("0x1130").in(p));
        assertNull(FunctionRef.parse("0x1131").in(p));
        assertNull(FunctionRef.parse("helper").in(p));
    }
}
