package org.ykrw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The decisions behind progress bars and output options, apart from a terminal. */
class TerminalTest {
    @TempDir
    Path dir;

    @Test
    void progressOnlyOnATerminalUnlessTurnedOff() {
        assertTrue(Terminal.progressWanted(true, null));
        assertTrue(Terminal.progressWanted(true, "1"));
        assertFalse(Terminal.progressWanted(true, "0"));
        assertFalse(Terminal.progressWanted(false, null));
        // The test JVM's stdout and stderr are pipes to the build, never a terminal.
        assertFalse(Terminal.is(Terminal.STDERR));
        assertFalse(Terminal.is(Terminal.STDOUT));
    }

    @Test
    void outputOptionsRefuseDirectories() throws Exception {
        OutputPath.Converter c = new OutputPath.Converter();
        assertEquals(Path.of("-"), c.convert("-"));
        assertTrue(OutputPath.isStdout(c.convert("-")));
        assertEquals(dir.resolve("out"), c.convert(dir.resolve("out").toString()));
        assertTrue(assertThrows(CommandLine.TypeConversionException.class, () -> c.convert(dir.toString()))
                .getMessage().contains("is a directory"));
        String slash = dir.resolve("new") + "/";
        assertTrue(assertThrows(CommandLine.TypeConversionException.class, () -> c.convert(slash))
                .getMessage().contains("ends with '/'"));
        assertFalse(Files.exists(dir.resolve("new")));
        assertEquals("standard output", OutputPath.describe(Path.of("-")));
    }
}
