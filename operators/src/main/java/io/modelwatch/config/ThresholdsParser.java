package io.modelwatch.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads the thresholds file (YAML; format in docs/thresholds.md and src/examples/thresholds.yaml).
 * Unknown keys are errors, not ignored: a misspelt threshold silently left at its default is the
 * kind of mistake nobody finds until an alert is missed.
 */
public final class ThresholdsParser {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private static final Map<String, Set<String>> SECTIONS = Map.of(
            "reference", Set.of("events"),
            "window", Set.of("size", "minEvents"),
            "drift", Set.of("numericBins", "categoryBins", "psi", "fdr", "effect", "sequential"),
            "escalation", Set.of("windows", "within", "cooldown", "weighted"),
            "quality", Set.of("missingRateIncrease", "badValueRate", "pValue", "volumeChange", "lateRate", "silenceAfter"),
            "performance", Set.of("labelHorizon", "minLabels", "referenceLabels", "accuracyDrop", "errorIncrease",
                    "threshold", "estimatedDecay"),
            "lifecycle", Set.of("expireAfter"));

    /** The keys of the mappings under {@code drift}. */
    private static final Map<String, Set<String>> DRIFT_MAPPINGS = Map.of(
            "psi", Set.of("warning", "critical"),
            "effect", Set.of("numeric", "categorical", "missingRate"),
            "sequential", Set.of("allowance", "threshold"));

    private ThresholdsParser() {}

    /**
     * Every setting of a model's section, as dotted paths ({@code window.size},
     * {@code drift.psi.warning}), sorted: what {@code defaults} and each {@code models.<id>} may
     * hold. Tests that must cover every key (the savepoint-upgrade walk of the schema) take the
     * list from here, so a new key without a case fails them.
     */
    public static List<String> keys() {
        List<String> keys = new ArrayList<>();
        SECTIONS.forEach((section, names) -> names.forEach(name -> {
            Set<String> nested = section.equals("drift") ? DRIFT_MAPPINGS.get(name) : null;
            if (nested == null) {
                keys.add(section + "." + name);
            } else {
                nested.forEach(n -> keys.add(section + "." + name + "." + n));
            }
        }));
        Collections.sort(keys);
        return keys;
    }

    public static ThresholdsConfig parse(String yamlText) {
        JsonNode root;
        try {
            root = yamlText == null || yamlText.isBlank() ? YAML.createObjectNode() : YAML.readTree(yamlText);
        } catch (Exception e) {
            String msg = String.valueOf(e.getMessage());
            int nl = msg.indexOf('\n');
            throw new ConfigException("thresholds: not valid YAML: " + (nl < 0 ? msg : msg.substring(0, nl)));
        }
        if (root == null || root.isNull() || root.isMissingNode()) {
            root = YAML.createObjectNode();
        }
        if (!root.isObject()) {
            throw new ConfigException("thresholds: the file must be a mapping with 'defaults' and 'models'");
        }
        checkKeys(root, "", Set.of("defaults", "models"));
        JsonNode defaultsNode = root.path("defaults");
        Thresholds defaults = apply(Thresholds.defaults(), defaultsNode, "defaults.").validate("defaults.");

        Map<String, Thresholds> models = new LinkedHashMap<>();
        JsonNode modelsNode = root.path("models");
        if (!modelsNode.isMissingNode() && !modelsNode.isNull()) {
            if (!modelsNode.isObject()) {
                throw new ConfigException("models: must be a mapping of model id to overrides");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = modelsNode.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String prefix = "models." + e.getKey() + ".";
                models.put(e.getKey(), apply(defaults, e.getValue(), prefix).validate(prefix));
            }
        }
        return new ThresholdsConfig(defaults, Map.copyOf(models), versionOf(defaults, models));
    }

    /**
     * {@code base} with the settings of {@code node} (one model's section, as in the file) applied
     * and the result validated; messages name keys under {@code prefix}. The live control topic
     * (ControlCommandParser) reads its threshold overrides through this, so they are checked
     * exactly as the file is.
     */
    public static Thresholds override(Thresholds base, JsonNode node, String prefix) {
        return apply(base, node, prefix).validate(prefix);
    }

    /**
     * Every setting of {@code t} by its key as written in the file ({@link #keys()}), the value
     * as text (durations as in the file, {@code 10m}): what a health report lists as changed by a
     * savepoint upgrade ({@link io.modelwatch.model.HealthReport.Upgrade}).
     */
    public static SortedMap<String, String> settings(Thresholds t) {
        SortedMap<String, String> m = new TreeMap<>();
        m.put("reference.events", String.valueOf(t.referenceEvents()));
        m.put("window.size", DurationParser.format(t.windowSize()));
        m.put("window.minEvents", String.valueOf(t.minWindowEvents()));
        m.put("drift.numericBins", String.valueOf(t.numericBins()));
        m.put("drift.categoryBins", String.valueOf(t.categoryBins()));
        m.put("drift.psi.warning", String.valueOf(t.psiWarning()));
        m.put("drift.psi.critical", String.valueOf(t.psiCritical()));
        m.put("drift.fdr", String.valueOf(t.falseDiscoveryRate()));
        m.put("drift.effect.numeric", String.valueOf(t.minNumericShift()));
        m.put("drift.effect.categorical", String.valueOf(t.minCategoryShift()));
        m.put("drift.effect.missingRate", String.valueOf(t.minMissingRateChange()));
        m.put("drift.sequential.allowance", String.valueOf(t.sequentialAllowance()));
        m.put("drift.sequential.threshold", String.valueOf(t.sequentialThreshold()));
        m.put("escalation.windows", String.valueOf(t.escalationWindows()));
        m.put("escalation.within", DurationParser.format(t.escalationWithin()));
        m.put("escalation.cooldown", DurationParser.format(t.cooldown()));
        m.put("escalation.weighted", String.valueOf(t.escalationWeighted()));
        m.put("quality.missingRateIncrease", String.valueOf(t.missingRateIncrease()));
        m.put("quality.badValueRate", String.valueOf(t.badValueRate()));
        m.put("quality.pValue", String.valueOf(t.qualityPValue()));
        m.put("quality.volumeChange", String.valueOf(t.volumeChange()));
        m.put("quality.lateRate", String.valueOf(t.lateRate()));
        m.put("quality.silenceAfter", DurationParser.format(t.silenceAfter()));
        m.put("performance.labelHorizon", DurationParser.format(t.labelHorizon()));
        m.put("performance.minLabels", String.valueOf(t.minLabels()));
        m.put("performance.referenceLabels", String.valueOf(t.referenceLabels()));
        m.put("performance.accuracyDrop", String.valueOf(t.accuracyDrop()));
        m.put("performance.errorIncrease", String.valueOf(t.errorIncrease()));
        m.put("performance.threshold", String.valueOf(t.scoreThreshold()));
        m.put("performance.estimatedDecay", String.valueOf(t.estimatedDecaySignal()));
        m.put("lifecycle.expireAfter", DurationParser.format(t.expireAfter()));
        return m;
    }

    /** The section names and their keys, as in the file. */
    static Set<String> sectionKeys(String section) {
        return SECTIONS.get(section);
    }

    public static Set<String> sections() {
        return SECTIONS.keySet();
    }

    private static Thresholds apply(Thresholds base, JsonNode node, String prefix) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return base;
        }
        if (!node.isObject()) {
            throw new ConfigException(prefix.substring(0, prefix.length() - 1) + ": must be a mapping");
        }
        checkKeys(node, prefix, SECTIONS.keySet());
        for (String section : SECTIONS.keySet()) {
            JsonNode s = node.get(section);
            if (s != null && !s.isObject()) {
                throw new ConfigException(prefix + section + ": must be a mapping");
            }
            if (s != null) {
                checkKeys(s, prefix + section + ".", SECTIONS.get(section));
            }
        }
        JsonNode psi = node.path("drift").path("psi");
        if (!psi.isMissingNode()) {
            if (!psi.isObject()) {
                throw new ConfigException(prefix + "drift.psi: must be a mapping with warning and critical");
            }
            checkKeys(psi, prefix + "drift.psi.", DRIFT_MAPPINGS.get("psi"));
        }
        JsonNode effect = node.path("drift").path("effect");
        if (!effect.isMissingNode()) {
            if (!effect.isObject()) {
                throw new ConfigException(prefix + "drift.effect: must be a mapping with numeric, categorical, missingRate");
            }
            checkKeys(effect, prefix + "drift.effect.", DRIFT_MAPPINGS.get("effect"));
        }
        JsonNode sequential = node.path("drift").path("sequential");
        if (!sequential.isMissingNode()) {
            if (!sequential.isObject()) {
                throw new ConfigException(prefix + "drift.sequential: must be a mapping with allowance and threshold");
            }
            checkKeys(sequential, prefix + "drift.sequential.", DRIFT_MAPPINGS.get("sequential"));
        }
        return new Thresholds(
                intAt(node, prefix, "reference", "events", base.referenceEvents()),
                durationAt(node, prefix, "window", "size", base.windowSize()),
                intAt(node, prefix, "window", "minEvents", base.minWindowEvents()),
                intAt(node, prefix, "drift", "numericBins", base.numericBins()),
                intAt(node, prefix, "drift", "categoryBins", base.categoryBins()),
                doubleAt(psi, prefix + "drift.psi.warning", "warning", base.psiWarning()),
                doubleAt(psi, prefix + "drift.psi.critical", "critical", base.psiCritical()),
                doubleAt(node.path("drift"), prefix + "drift.fdr", "fdr", base.falseDiscoveryRate()),
                doubleAt(effect, prefix + "drift.effect.numeric", "numeric", base.minNumericShift()),
                doubleAt(effect, prefix + "drift.effect.categorical", "categorical", base.minCategoryShift()),
                doubleAt(effect, prefix + "drift.effect.missingRate", "missingRate", base.minMissingRateChange()),
                doubleAt(sequential, prefix + "drift.sequential.allowance", "allowance", base.sequentialAllowance()),
                doubleAt(sequential, prefix + "drift.sequential.threshold", "threshold", base.sequentialThreshold()),
                intAt(node, prefix, "escalation", "windows", base.escalationWindows()),
                durationAt(node, prefix, "escalation", "within", base.escalationWithin()),
                durationAt(node, prefix, "escalation", "cooldown", base.cooldown()),
                doubleAt(node.path("quality"), prefix + "quality.missingRateIncrease", "missingRateIncrease",
                        base.missingRateIncrease()),
                doubleAt(node.path("quality"), prefix + "quality.badValueRate", "badValueRate", base.badValueRate()),
                doubleAt(node.path("quality"), prefix + "quality.pValue", "pValue", base.qualityPValue()),
                doubleAt(node.path("quality"), prefix + "quality.volumeChange", "volumeChange", base.volumeChange()),
                doubleAt(node.path("quality"), prefix + "quality.lateRate", "lateRate", base.lateRate()),
                durationAt(node, prefix, "quality", "silenceAfter", base.silenceAfter()),
                durationAt(node, prefix, "performance", "labelHorizon", base.labelHorizon()),
                intAt(node, prefix, "performance", "minLabels", base.minLabels()),
                intAt(node, prefix, "performance", "referenceLabels", base.referenceLabels()),
                doubleAt(node.path("performance"), prefix + "performance.accuracyDrop", "accuracyDrop", base.accuracyDrop()),
                doubleAt(node.path("performance"), prefix + "performance.errorIncrease", "errorIncrease",
                        base.errorIncrease()),
                durationAt(node, prefix, "lifecycle", "expireAfter", base.expireAfter()),
                boolAt(node, prefix, "escalation", "weighted", base.escalationWeighted()),
                doubleAt(node.path("performance"), prefix + "performance.threshold", "threshold",
                        base.scoreThreshold()),
                boolAt(node, prefix, "performance", "estimatedDecay", base.estimatedDecaySignal()));
    }

    private static void checkKeys(JsonNode node, String prefix, Set<String> allowed) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) {
                throw new ConfigException(prefix + k + ": unknown setting (expected one of "
                        + String.join(", ", new TreeSet<>(allowed)) + ")");
            }
        }
    }

    private static int intAt(JsonNode node, String prefix, String section, String key, int base) {
        JsonNode v = node.path(section).path(key);
        if (v.isMissingNode() || v.isNull()) return base;
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new ConfigException(prefix + section + "." + key + ": must be a whole number, not '" + v.asText() + "'");
        }
        return v.intValue();
    }

    private static boolean boolAt(JsonNode node, String prefix, String section, String key, boolean base) {
        JsonNode v = node.path(section).path(key);
        if (v.isMissingNode() || v.isNull()) return base;
        if (!v.isBoolean()) {
            throw new ConfigException(prefix + section + "." + key + ": must be true or false, not '" + v.asText() + "'");
        }
        return v.booleanValue();
    }

    private static double doubleAt(JsonNode node, String fullKey, String key, double base) {
        JsonNode v = node.path(key);
        if (v.isMissingNode() || v.isNull()) return base;
        if (!v.isNumber()) {
            throw new ConfigException(fullKey + ": must be a number, not '" + v.asText() + "'");
        }
        return v.doubleValue();
    }

    private static Duration durationAt(JsonNode node, String prefix, String section, String key, Duration base) {
        JsonNode v = node.path(section).path(key);
        if (v.isMissingNode() || v.isNull()) return base;
        return DurationParser.parse(prefix + section + "." + key, v.asText());
    }

    /**
     * A content hash of the resolved thresholds (not the file's bytes): reformatting the file or
     * spelling out a default does not change it, any effective change does.
     */
    public static String versionOf(Thresholds defaults, Map<String, Thresholds> models) {
        ObjectNode canon = CANONICAL.createObjectNode();
        canon.set("defaults", canonical(defaults));
        ObjectNode m = canon.putObject("models");
        new TreeMap<>(models).forEach((k, v) -> m.set(k, canonical(v)));
        return hash(canon);
    }

    /** A content hash of one model's resolved thresholds, for versions of live overrides. */
    public static String versionOf(Thresholds t) {
        return hash(canonical(t));
    }

    private static String hash(ObjectNode canon) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(CANONICAL.writeValueAsString(canon).getBytes(StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 4; i++) {
                sb.append(String.format("%02x", digest[i]));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode canonical(Thresholds t) {
        ObjectNode n = CANONICAL.createObjectNode();
        n.put("referenceEvents", t.referenceEvents());
        n.put("windowSizeMs", t.windowSize().toMillis());
        n.put("minWindowEvents", t.minWindowEvents());
        n.put("numericBins", t.numericBins());
        n.put("categoryBins", t.categoryBins());
        n.put("psiWarning", t.psiWarning());
        n.put("psiCritical", t.psiCritical());
        n.put("falseDiscoveryRate", t.falseDiscoveryRate());
        n.put("minNumericShift", t.minNumericShift());
        n.put("minCategoryShift", t.minCategoryShift());
        n.put("minMissingRateChange", t.minMissingRateChange());
        n.put("sequentialAllowance", t.sequentialAllowance());
        n.put("sequentialThreshold", t.sequentialThreshold());
        n.put("escalationWindows", t.escalationWindows());
        n.put("escalationWithinMs", t.escalationWithin().toMillis());
        n.put("cooldownMs", t.cooldown().toMillis());
        n.put("missingRateIncrease", t.missingRateIncrease());
        n.put("badValueRate", t.badValueRate());
        n.put("qualityPValue", t.qualityPValue());
        n.put("volumeChange", t.volumeChange());
        n.put("lateRate", t.lateRate());
        n.put("silenceAfterMs", t.silenceAfter().toMillis());
        n.put("labelHorizonMs", t.labelHorizon().toMillis());
        n.put("minLabels", t.minLabels());
        n.put("referenceLabels", t.referenceLabels());
        n.put("accuracyDrop", t.accuracyDrop());
        n.put("errorIncrease", t.errorIncrease());
        // Added after the first release: only a non-default value enters the hash, so upgrading
        // modelwatch does not change the version of an unchanged thresholds file.
        if (!t.expireAfter().equals(Thresholds.DEFAULT_EXPIRE_AFTER)) {
            n.put("expireAfterMs", t.expireAfter().toMillis());
        }
        if (!t.escalationWeighted()) {
            n.put("escalationWeighted", false);
        }
        if (t.scoreThreshold() != Thresholds.DEFAULT_SCORE_THRESHOLD) {
            n.put("scoreThreshold", t.scoreThreshold());
        }
        if (t.estimatedDecaySignal()) {
            n.put("estimatedDecaySignal", true);
        }
        return n;
    }
}
