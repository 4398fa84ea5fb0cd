package io.modelwatch.serde;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Test helper: checks a JSON document against the subset of JSON Schema (draft 2020-12) that
 * modelwatch's schemas use: type, const, enum, required, properties, additionalProperties: false,
 * items, minimum, maximum, minLength, maxLength, local $ref, allOf and if/then. Keywords outside
 * the subset fail the check, so a schema cannot silently use one the check ignores.
 */
final class JsonSchemaCheck {
    private static final java.util.Set<String> KNOWN = java.util.Set.of("$schema", "$id", "title", "description",
            "$defs", "type", "const", "enum", "required", "properties", "additionalProperties", "items", "minimum",
            "maximum", "minLength", "maxLength", "$ref", "allOf", "if", "then", "format");

    private final JsonNode root;

    JsonSchemaCheck(JsonNode schema) {
        this.root = schema;
    }

    /** Violations as "path: problem"; empty when the document conforms. */
    List<String> violations(JsonNode doc) {
        List<String> out = new ArrayList<>();
        check(root, doc, "$", out);
        return out;
    }

    private boolean conforms(JsonNode schema, JsonNode doc) {
        List<String> out = new ArrayList<>();
        check(schema, doc, "$", out);
        return out.isEmpty();
    }

    private void check(JsonNode schema, JsonNode doc, String path, List<String> out) {
        for (Iterator<String> it = schema.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!KNOWN.contains(k)) {
                out.add(path + ": schema keyword '" + k + "' is not supported by this check");
            }
        }
        if (schema.has("$ref")) {
            String ref = schema.get("$ref").asText();
            if (!ref.startsWith("#/")) {
                out.add(path + ": only local $ref supported");
                return;
            }
            check(root.at(ref.substring(1)), doc, path, out);
        }
        if (schema.has("type") && !typeMatches(schema.get("type"), doc)) {
            out.add(path + ": expected " + schema.get("type") + ", found " + doc.getNodeType());
            return;
        }
        if (schema.has("const") && !schema.get("const").equals(doc)) {
            out.add(path + ": expected " + schema.get("const"));
        }
        if (schema.has("enum")) {
            boolean any = false;
            for (JsonNode e : schema.get("enum")) {
                any |= e.equals(doc);
            }
            if (!any) {
                out.add(path + ": not one of " + schema.get("enum"));
            }
        }
        if (doc.isNumber()) {
            if (schema.has("minimum") && doc.doubleValue() < schema.get("minimum").doubleValue()) {
                out.add(path + ": below minimum " + schema.get("minimum"));
            }
            if (schema.has("maximum") && doc.doubleValue() > schema.get("maximum").doubleValue()) {
                out.add(path + ": above maximum " + schema.get("maximum"));
            }
        }
        if (doc.isTextual()) {
            if (schema.has("minLength") && doc.asText().length() < schema.get("minLength").intValue()) {
                out.add(path + ": shorter than " + schema.get("minLength"));
            }
            if (schema.has("maxLength") && doc.asText().length() > schema.get("maxLength").intValue()) {
                out.add(path + ": longer than " + schema.get("maxLength"));
            }
        }
        if (doc.isObject()) {
            if (schema.has("required")) {
                for (JsonNode r : schema.get("required")) {
                    if (!doc.has(r.asText())) {
                        out.add(path + ": required '" + r.asText() + "' missing");
                    }
                }
            }
            JsonNode props = schema.get("properties");
            for (Iterator<Map.Entry<String, JsonNode>> it = doc.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (props != null && props.has(e.getKey())) {
                    check(props.get(e.getKey()), e.getValue(), path + "." + e.getKey(), out);
                } else if (schema.has("additionalProperties") && !schema.get("additionalProperties").asBoolean(true)) {
                    out.add(path + ": property '" + e.getKey() + "' not allowed");
                }
            }
        }
        if (doc.isArray() && schema.has("items")) {
            for (int i = 0; i < doc.size(); i++) {
                check(schema.get("items"), doc.get(i), path + "[" + i + "]", out);
            }
        }
        if (schema.has("allOf")) {
            for (JsonNode s : schema.get("allOf")) {
                check(s, doc, path, out);
            }
        }
        if (schema.has("if") && schema.has("then") && conforms(schema.get("if"), doc)) {
            check(schema.get("then"), doc, path, out);
        }
    }

    private static boolean typeMatches(JsonNode type, JsonNode doc) {
        if (type.isArray()) {
            for (JsonNode t : type) {
                if (typeMatches(t, doc)) {
                    return true;
                }
            }
            return false;
        }
        return switch (type.asText()) {
            case "object" -> doc.isObject();
            case "array" -> doc.isArray();
            case "string" -> doc.isTextual();
            case "number" -> doc.isNumber();
            case "integer" -> doc.isIntegralNumber();
            case "boolean" -> doc.isBoolean();
            case "null" -> doc.isNull();
            default -> false;
        };
    }
}
