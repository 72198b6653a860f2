package org.ykrw.coverage;

import java.util.List;
import java.util.function.Function;
import org.ykrw.core.blockmap.BlockMap;
import org.ykrw.core.blockmap.BlockMap.MappedBlock;
import org.ykrw.coverage.CoverageData.FunctionCoverage;

/**
 * Writes coverage as one self-contained HTML page (inline CSS and script, nothing fetched, so it can
 * be mailed or attached to a CI run): a summary, a sortable and filterable per-function table with
 * coverage bars, and per function its blocks with their code, covered blocks highlighted and counts
 * shown.
 *
 * <p>DOM contract (tests and scripts rely on it): each block is a {@code div.block} with class
 * {@code covered}, {@code uncovered} or {@code noprobe} and attributes {@code data-address} (hex
 * input address), {@code data-function} (function index) and {@code data-count}; each function is a
 * {@code details.fn} with id {@code fn-<index>}; the table rows are {@code #functions tbody tr}.
 */
public final class HtmlCoverageWriter {
    /** Beyond this many probed blocks only entered functions get their code listed (python3 has 160k). */
    static final int MAX_LISTED_BLOCKS = 50_000;

    private HtmlCoverageWriter() {
    }

    private static final String STYLE = """
            body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
            h1{font-size:1.4em;margin:0 0 .3em}
            table{border-collapse:collapse}
            .summary td{padding:.15em 1em .15em 0}
            #functions{margin-top:1em;min-width:60em}
            #functions th{cursor:pointer;text-align:left;border-bottom:2px solid #888;padding:.2em .6em;user-select:none}
            #functions td{padding:.15em .6em;border-bottom:1px solid #eee}
            #functions td.n{text-align:right;font-variant-numeric:tabular-nums}
            .bar{display:inline-block;width:10em;height:.8em;background:#f1c9c9;vertical-align:middle;margin-right:.5em}
            .bar span{display:block;height:100%;background:#3a9d4f}
            #filter{margin-top:1em;padding:.3em;width:20em}
            details.fn{margin:.6em 0;border:1px solid #ccc;border-radius:4px;padding:.3em .6em}
            details.fn summary{cursor:pointer;font-weight:600}
            .block{margin:.4em 0;border-left:5px solid #bbb;padding:.1em .5em}
            .block.covered{background:#e3f6e3;border-color:#2e9e44}
            .block.uncovered{background:#fbe6e6;border-color:#c43c3c}
            .block.noprobe{background:#f2f2f2;border-color:#aaa;color:#666}
            .bh{font-size:12px;color:#444}
            .block pre{margin:.2em 0 .1em;font:12px/1.3 ui-monospace,monospace}
            .count{font-weight:700}
            """;

    private static final String SCRIPT = """
            (function(){
              var table=document.getElementById('functions'), body=table.tBodies[0], dir={};
              table.tHead.addEventListener('click',function(e){
                var th=e.target.closest('th'); if(!th) return;
                var key=th.dataset.key, num=th.dataset.num==='1', d=dir[key]=-(dir[key]||(num?1:-1));
                var rows=Array.prototype.slice.call(body.rows);
                rows.sort(function(a,b){
                  var x=a.dataset[key], y=b.dataset[key];
                  return d*(num?(parseFloat(x)-parseFloat(y)):x.localeCompare(y));
                });
                rows.forEach(function(r){body.appendChild(r);});
              });
              document.getElementById('filter').addEventListener('input',function(e){
                var q=e.target.value.toLowerCase();
                Array.prototype.forEach.call(body.rows,function(r){
                  r.style.display=r.dataset.name.toLowerCase().indexOf(q)<0?'none':'';
                });
              });
            })();
            """;

    /**
     * @param data the coverage
     * @param code a block's instruction lines, or null when the binary is not available
     * @param title what the page is about (the binary's name)
     * @return the page
     */
    public static String write(CoverageData data, Function<MappedBlock, List<String>> code, String title) {
        BlockMap map = data.map();
        List<FunctionCoverage> fns = data.functions();
        long entered = fns.stream().filter(f -> f.coveredBlocks() > 0).count();
        int covered = data.coveredBlocks();
        boolean listAll = map.measuredBlocks() <= MAX_LISTED_BLOCKS;
        StringBuilder b = new StringBuilder(1 << 16);
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>ykrw coverage: ")
                .append(esc(title)).append("</title>\n<style>\n").append(STYLE).append("</style></head>\n<body>\n");
        b.append("<h1>Coverage of ").append(esc(title)).append("</h1>\n<table class=\"summary\">\n");
        row(b, "blocks covered", covered + " of " + data.probedBlocks() + " (" + percent(covered, data.probedBlocks()) + ")");
        row(b, "functions entered", entered + " of " + fns.size() + " (" + percent(entered, fns.size()) + ")");
        if (!data.excluded().isEmpty()) {
            row(b, "not counted", data.excluded().size() + " start-up function(s), as gcov (--include-startup counts them)");
        }
        row(b, "runs", data.runs().isEmpty() ? "synthetic counts" : Integer.toString(data.runs().size()));
        row(b, "pass", map.pass() + (data.hasCounts() ? " (execution counts)" : " (run / not run)"));
        row(b, "map", map.input() + " " + BlockMap.mapIdHex(map.mapId()));
        b.append("</table>\n<input id=\"filter\" type=\"search\" placeholder=\"filter functions\">\n");

        // 1. The function table; data-* attributes carry the sort keys.
        b.append("<table id=\"functions\"><thead><tr><th data-key=\"name\">function</th>")
                .append("<th data-key=\"blocks\" data-num=\"1\">blocks</th>")
                .append("<th data-key=\"covered\" data-num=\"1\">covered</th>")
                .append("<th data-key=\"pct\" data-num=\"1\">coverage</th>")
                .append("<th data-key=\"entry\" data-num=\"1\">").append(data.hasCounts() ? "calls" : "entered")
                .append("</th></tr></thead>\n<tbody>\n");
        for (FunctionCoverage f : fns) {
            String pct = String.format("%.1f", f.percent());
            b.append("<tr data-name=\"").append(esc(f.function().name())).append("\" data-blocks=\"")
                    .append(f.probedBlocks()).append("\" data-covered=\"").append(f.coveredBlocks())
                    .append("\" data-pct=\"").append(pct).append("\" data-entry=\"").append(f.entryCount())
                    .append("\"><td><a href=\"#fn-").append(f.function().index()).append("\">")
                    .append(esc(f.function().name())).append("</a></td><td class=\"n\">").append(f.probedBlocks())
                    .append("</td><td class=\"n\">").append(f.coveredBlocks())
                    .append("</td><td><span class=\"bar\"><span style=\"width:").append(pct).append("%\"></span></span>")
                    .append(pct).append("%</td><td class=\"n\">")
                    .append(data.hasCounts() ? Long.toUnsignedString(f.entryCount()) : f.entryCount() != 0 ? "yes" : "no")
                    .append("</td></tr>\n");
        }
        b.append("</tbody></table>\n<h2>Functions</h2>\n");
        if (!listAll) {
            b.append("<p>").append(map.measuredBlocks()).append(" probed blocks: only entered functions are listed.</p>\n");
        }

        // 2. Per function, its blocks in address order; entered functions start unfolded.
        for (FunctionCoverage f : fns) {
            boolean isEntered = f.coveredBlocks() > 0;
            if (!listAll && !isEntered) {
                continue;
            }
            b.append("<details class=\"fn\" id=\"fn-").append(f.function().index()).append('"')
                    .append(isEntered ? " open" : "").append("><summary>").append(esc(f.function().name()))
                    .append(String.format(" <span class=\"bh\">0x%x, %d of %d blocks covered</span>", f.function().address(),
                            f.coveredBlocks(), f.probedBlocks())).append("</summary>\n");
            for (MappedBlock bl : f.function().blocks()) {
                String cls = !bl.isMeasured() ? "noprobe" : data.isCovered(bl) ? "covered" : "uncovered";
                String count = Long.toUnsignedString(data.count(bl));
                b.append("<div class=\"block ").append(cls).append(String.format("\" data-address=\"0x%x\"", bl.address()))
                        .append(" data-function=\"").append(f.function().index()).append("\" data-count=\"").append(count)
                        .append(String.format("\"><div class=\"bh\">block %d &middot; 0x%x &middot; %d bytes &middot; ",
                                bl.index(), bl.address(), bl.size()));
                if (!bl.isMeasured()) {
                    b.append("no probe");
                } else if (data.hasCounts()) {
                    b.append("count <span class=\"count\">").append(count).append("</span>");
                } else {
                    b.append("<span class=\"count\">").append(data.isCovered(bl) ? "run" : "not run").append("</span>");
                }
                b.append("</div>");
                List<String> lines = code == null ? List.of() : code.apply(bl);
                if (!lines.isEmpty()) {
                    b.append("<pre>");
                    for (String l : lines) {
                        b.append(esc(l)).append('\n');
                    }
                    b.append("</pre>");
                }
                b.append("</div>\n");
            }
            b.append("</details>\n");
        }
        b.append("<script>\n").append(SCRIPT).append("</script>\n</body></html>\n");
        return b.toString();
    }

    private static void row(StringBuilder b, String key, String value) {
        b.append("<tr><td>").append(esc(key)).append("</td><td>").append(esc(value)).append("</td></tr>\n");
    }

    private static String percent(long part, long whole) {
        return whole == 0 ? "-" : String.format("%.1f%%", 100.0 * part / whole);
    }

    /** @return {@code s} with the characters HTML gives meaning to escaped */
    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
