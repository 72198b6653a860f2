package org.ykrw.coverage;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ykrw.core.diag.MalformedRunFileException;

/**
 * Reads a block map's JSON into plain values: objects become {@code LinkedHashMap<String, Object>},
 * arrays {@code List<Object>}, numbers {@code Long} (integers) or {@code Double}, plus String,
 * Boolean and null. The tokens come from Jackson's streaming parser (strict JSON: no comments, no
 * leading zeros, no NaN); what is ours is the bounds a file users pass around needs (nesting depth,
 * one value per document, no member twice) and turning every refusal into one line naming the
 * character offset.
 */
final class JsonReader {
    /** A block map nests four levels deep; anything far beyond is not a map. */
    private static final int MAX_DEPTH = 64;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .build();

    private final JsonParser parser;
    private final String file;

    private JsonReader(JsonParser parser, String file) {
        this.parser = parser;
        this.file = file;
    }

    /**
     * @param text the whole document
     * @param file name used in messages
     * @return the top-level value
     */
    static Object parse(String text, String file) {
        JsonParser p;
        try {
            p = FACTORY.createParser(text);
        } catch (IOException e) {
            throw new IllegalStateException(e);  // a String source has no I/O of its own to fail
        }
        JsonReader r = new JsonReader(p, file);
        try (p) {
            if (p.nextToken() == null) {
                throw r.error("unexpected end of input");
            }
            Object v = r.value();
            if (p.nextToken() != null) {
                throw r.error("unexpected text after the JSON value");
            }
            return v;
        } catch (JsonProcessingException e) {
            // Jackson's own text is one sentence, at times with where a container started, in a form
            // that names no offset (the source is not kept), or a line of input after a line break.
            String what = e.getOriginalMessage().replaceAll(" \\(start marker at \\[[^\\]]*\\]\\)", "")
                    .replaceAll("\\s+", " ");
            throw new MalformedRunFileException(file, "JSON error at offset " + r.offset(e.getLocation()) + ": "
                    + what);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private MalformedRunFileException error(String what) {
        return new MalformedRunFileException(file, "JSON error at offset " + offset(parser.currentTokenLocation())
                + ": " + what);
    }

    /** @return where {@code at} points, or where the parser is when it has no offset (no token yet, limits) */
    private long offset(JsonLocation at) {
        long offset = at == null ? -1 : at.getCharOffset();
        return offset >= 0 ? offset : parser.currentLocation().getCharOffset();
    }

    /** @return the value whose first token is the current one, leaving its last token current */
    private Object value() throws IOException {
        JsonToken t = parser.currentToken();
        return switch (t) {
            case START_OBJECT -> object();
            case START_ARRAY -> array();
            case VALUE_STRING -> parser.getText();
            case VALUE_NUMBER_INT -> parser.getLongValue();  // beyond 64 bits: Jackson's one-line refusal
            case VALUE_NUMBER_FLOAT -> parser.getDoubleValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw error("unexpected " + t);  // a parser without extensions gives no other token here
        };
    }

    private Map<String, Object> object() throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String key = parser.nextFieldName(); key != null; key = parser.nextFieldName()) {
            parser.nextToken();
            if (out.put(key, value()) != null) {
                throw error("member \"" + key + "\" appears twice");
            }
        }
        return out;
    }

    private List<Object> array() throws IOException {
        List<Object> out = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            out.add(value());
        }
        return out;
    }
}
