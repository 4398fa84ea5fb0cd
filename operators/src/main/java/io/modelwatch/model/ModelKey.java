package io.modelwatch.model;

/**
 * The state key of one model version: {@code modelId + US + modelVersion}. The unit separator
 * (U+001F) cannot occur in either part because the parser rejects control characters in ids, so
 * the key is unambiguous ("a/b" + "c" never collides with "a" + "b/c").
 */
public final class ModelKey {
    public static final char SEPARATOR = '\u001f';

    private ModelKey() {}

    public static String of(String modelId, String modelVersion) {
        return modelId + SEPARATOR + modelVersion;
    }

    public static String modelId(String key) {
        return key.substring(0, key.indexOf(SEPARATOR));
    }

    public static String modelVersion(String key) {
        return key.substring(key.indexOf(SEPARATOR) + 1);
    }
}
