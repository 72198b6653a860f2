package org.ykrw.core.report;

import java.util.StringJoiner;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Edge;
import org.ykrw.core.ir.EdgeKind;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;
import org.ykrw.core.x86.Insn;

/** Renders one function's CFG as text, Graphviz dot or JSON. */
public final class CfgRenderer {
    private CfgRenderer() {
    }

    /** @return a listing: each block with its instructions and successor edges */
    public static String text(Function f, Program p) {
        StringBuilder b = new StringBuilder();
        b.append(String.format("function %s #%d [0x%x, 0x%x) %d blocks%s%s%n", f.name(), f.index(), f.entryAddress(),
                f.endAddress(), f.blocks().size(), f.isNoReturn() ? " noreturn" : "",
                f.skipReason() != null ? " left-in-place:" + f.skipReason() : ""));
        for (Block bl : f.blocks()) {
            b.append(String.format("%nblock %d 0x%x (%d bytes)%s%n", bl.index(), bl.address(), bl.size(),
                    bl.isIndirectTarget() ? " indirect-target" : ""));
            for (Insn i : bl.instructions()) {
                b.append(String.format("  %8x  %s %s%n", i.address(), i.mnemonic(), i.opStr()));
            }
            for (Edge e : bl.successors()) {
                b.append("  -> ").append(edgeTarget(f, e, p)).append(' ').append(e.kind().name().toLowerCase()).append('\n');
            }
        }
        return b.toString();
    }

    private static String edgeTarget(Function f, Edge e, Program p) {
        if (e.to() != null) {
            return e.to().function() == f ? "block " + e.to().index()
                    : e.to().function().name() + (e.to().address() == e.to().function().entryAddress() ? ""
                    : "+0x" + Long.toHexString(e.to().address() - e.to().function().entryAddress()));
        }
        Function callee = e.targetAddress() >= 0 ? p.functionAt(e.targetAddress()) : null;
        if (callee != null) {
            return callee.name();  // PLT stubs have no blocks but do have names
        }
        return e.targetAddress() >= 0 ? "0x" + Long.toHexString(e.targetAddress()) : "?";
    }

    /** @return a Graphviz digraph: one node per block with its code, edges styled by kind */
    public static String dot(Function f, Program p) {
        StringBuilder b = new StringBuilder();
        b.append("digraph ").append(Json.quote(f.name())).append(" {\n");
        b.append("  node [shape=box, fontname=\"monospace\", fontsize=10];\n");
        b.append("  label=").append(Json.quote(String.format("%s [0x%x, 0x%x)", f.name(), f.entryAddress(), f.endAddress())))
                .append(";\n");
        for (Block bl : f.blocks()) {
            StringBuilder label = new StringBuilder(String.format("block %d  0x%x\\l", bl.index(), bl.address()));
            for (Insn i : bl.instructions()) {
                label.append(dotEscape(String.format("%x: %s %s", i.address(), i.mnemonic(), i.opStr()))).append("\\l");
            }
            b.append(String.format("  b%d [label=\"%s\"%s];%n", bl.index(), label,
                    bl.address() == f.entryAddress() ? ", style=bold" : ""));
        }
        int external = 0;
        for (Block bl : f.blocks()) {
            for (Edge e : bl.successors()) {
                String style = switch (e.kind()) {
                    case CONDITIONAL -> "color=darkgreen";
                    case FALL_THROUGH -> "style=dashed";
                    case JUMP_TABLE -> "color=blue";
                    case CALL -> "color=gray, style=dotted";
                    case TAIL_CALL, INDIRECT, RETURN -> "color=red";
                    default -> "color=black";
                };
                if (e.to() != null && e.to().function() == f) {
                    b.append(String.format("  b%d -> b%d [%s];%n", bl.index(), e.to().index(), style));
                } else {
                    String name = e.kind() == EdgeKind.RETURN ? "return" : edgeTarget(f, e, p);
                    b.append(String.format("  x%d [label=%s, shape=ellipse];%n  b%d -> x%d [%s];%n", external,
                            Json.quote(name), bl.index(), external, style));
                    external++;
                }
            }
        }
        return b.append("}\n").toString();
    }

    private static String dotEscape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("{", "\\{").replace("}", "\\}")
                .replace("<", "\\<").replace(">", "\\>").replace("|", "\\|");
    }

    /** @return the CFG as one JSON object */
    public static String json(Function f) {
        StringJoiner blocks = new StringJoiner(",\n    ", "[\n    ", "\n  ]");
        for (Block bl : f.blocks()) {
            StringJoiner insns = new StringJoiner(", ", "[", "]");
            for (Insn i : bl.instructions()) {
                insns.add(String.format("{\"address\": %s, \"text\": %s}", Json.address(i.address()),
                        Json.quote((i.mnemonic() + " " + i.opStr()).trim())));
            }
            StringJoiner edges = new StringJoiner(", ", "[", "]");
            for (Edge e : bl.successors()) {
                edges.add(String.format("{\"kind\": \"%s\", \"to_block\": %s, \"target\": %s}",
                        e.kind().name().toLowerCase(), e.to() != null && e.to().function() == f ? e.to().index() : "null",
                        e.targetAddress() >= 0 ? Json.address(e.targetAddress()) : "null"));
            }
            blocks.add(String.format("{\"index\": %d, \"address\": %s, \"end\": %s, \"instructions\": %s, \"successors\": %s}",
                    bl.index(), Json.address(bl.address()), Json.address(bl.endAddress()), insns, edges));
        }
        return String.format("{\n  \"function\": %s,\n  \"index\": %d,\n  \"entry\": %s,\n  \"end\": %s,\n  \"noreturn\": %s,"
                + "\n  \"blocks\": %s\n}%n", Json.quote(f.name()), f.index(), Json.address(f.entryAddress()),
                Json.address(f.endAddress()), f.isNoReturn(), blocks);
    }
}
