package org.ykrw.core.report;

/** Minimal JSON writing helpers (ykrw's reports are small; no JSON library is needed). */
public final class Json {
    private Json() {
    }

    /** @return {@code s} as a quoted JSON string */
    public static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /** @return a hex address as a JSON string ("0x1139") */
    public static String address(long a) {
        return "\"0x" + Long.toHexString(a) + "\"";
    }
}
