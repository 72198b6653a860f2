package org.ykrw.coverage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ykrw.core.blockmap.BlockMap;
import org.ykrw.core.blockmap.BlockMap.MappedBlock;
import org.ykrw.core.testutil.Tools;

/**
 * The HTML report opened in headless Chromium: the DOM it builds has exactly the covered blocks
 * highlighted, with their counts, and the page needs nothing from the network. A screenshot is kept
 * in target/coverage-report.png for a human to look at.
 */
class HtmlCoverageWriterTest {
    @TempDir
    Path dir;

    @Test
    void chromiumShowsTheCoveredBlocks() throws Exception {
        Fixture fx = Fixture.build(dir, "gcc", "-O0", "-g");
        long[] counts = new long[fx.map().probeSlots()];
        Set<String> covered = new TreeSet<>();
        long n = 1;
        for (String name : List.of("main", "sum_to")) {
            for (MappedBlock b : fx.function(name).blocks()) {
                counts[b.probe()] = n * 7;
                covered.add(String.format("0x%x=%d", b.address(), n * 7));
                n++;
            }
        }
        CoverageData data = CoverageData.of(fx.map(), counts, true);
        String html;
        try (BlockDisassembler d = new BlockDisassembler(fx.elf(), fx.map())) {
            html = HtmlCoverageWriter.write(data, d::lines, "branches <test>");
        }
        assertFalse(html.contains("http://") || html.contains("https://"), "self-contained: no URLs");
        assertTrue(html.contains("Coverage of branches &lt;test&gt;"));
        Path page = dir.resolve("report.html");
        Files.writeString(page, html);

        String dom = Tools.output("chromium", "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
                page.toUri().toString());
        Pattern block = Pattern.compile("<div class=\"block (covered|uncovered|noprobe)\" data-address=\"(0x[0-9a-f]+)\""
                + " data-function=\"\\d+\" data-count=\"(\\d+)\">");
        Set<String> highlighted = new TreeSet<>();
        int all = 0;
        Matcher m = block.matcher(dom);
        while (m.find()) {
            all++;
            if (m.group(1).equals("covered")) {
                highlighted.add(m.group(2) + "=" + m.group(3));
            }
        }
        assertEquals(covered, highlighted);
        assertEquals(fx.map().probedBlocks(), all, "every probed function is listed with all its blocks");
        assertTrue(dom.contains("<tbody>") && dom.contains("data-name=\"main\""), "the function table is in the DOM");
        assertTrue(dom.contains("call"), "blocks show their code");

        Path shot = Path.of("target/coverage-report.png").toAbsolutePath();
        Files.deleteIfExists(shot);
        Tools.output("chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--screenshot=" + shot, "--window-size=1200,1400", page.toUri().toString());
        assertTrue(Files.size(shot) > 10_000, "a screenshot with content");
    }
}
