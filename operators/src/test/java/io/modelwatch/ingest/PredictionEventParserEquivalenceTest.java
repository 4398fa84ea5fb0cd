package io.modelwatch.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The streaming {@link PredictionEventParser} against the tree-based parser it replaced
 * ({@link TreePredictionEventParser}): for valid records, broken ones and random mutations of
 * both, the same event or the same dead-letter reason (for invalid JSON: both say so). The sharing
 * instance the job uses ({@link PredictionEventParser#sharing}) reads every record of a test one
 * after another, so what it reuses from record to record (scratch columns, shared strings and
 * name arrays) is checked against each record parsed on its own.
 */
@Timeout(120)
class PredictionEventParserEquivalenceTest {
    private final PredictionEventParser sharing = PredictionEventParser.sharing();

    private static final List<String> SEEDS = List.of(
            PredictionEventParserTest.CONTRACT_EXAMPLE,
            "{\"modelId\":\"m\",\"timestamp\":1764158400123,\"prediction\":\"yes\"}",
            "{\"prediction\":true,\"modelVersion\":12,\"timestamp\":\"1764158400123\",\"modelId\":\"m\","
                    + "\"predictionId\":9007199254740993,\"extra\":{\"a\":[1,2,{\"b\":null}]},\"features\":null}",
            "{\"modelId\":\"fraud\",\"modelVersion\":\"v3\",\"timestamp\":\"2026-11-26T13:00:00.5+01:00\","
                    + "\"prediction\":-0,\"features\":{\"a\":NaN,\"b\":-Infinity,\"c\":1e308,\"d\":-0,"
                    + "\"e\":123456789012345678901234567890,\"f\":false,\"g\":\"caf\\u00e9\",\"h\":null}}",
            "{\"modelId\":\"m\",\"modelVersion\":null,\"predictionId\":null,\"timestamp\":-5,\"prediction\":0.1,"
                    + "\"features\":{}}",
            "{\"modelId\":\"m\",\"timestamp\":1,\"prediction\":1,\"features\":{\"x\":1,\"y\":[1],\"z\":{}}}",
            "{\"modelId\":\"m\",\"modelVersion\":1.5,\"timestamp\":1.5,\"prediction\":{}}",
            "{\"modelId\":7,\"timestamp\":true,\"prediction\":null,\"features\":\"x\"}",
            "  [1, 2, {\"a\": 1}]  ",
            "\"just a string\"",
            "{\"modelId\":\"m\",\"timestamp\":\"2026-02-30T10:00:00Z\",\"prediction\":1,\"features\":{\"a\":1,\"a\":2}}",
            "{\"modelId\":\"m\",\"timestamp\":99999999999999999999,\"prediction\":1}",
            "{\"modelId\":\"m\",\"timestamp\":1,\"prediction\":1,\"extra\":1,\"extra\":2}",
            "{\"modelId\":\"m\",\"timestamp\":1,\"prediction\":0.4} }{\"garbage\": true",
            "{\"modelId\":\"m\",\"timestamp\":1,\"prediction\":1}{\"modelId\":\"n\",\"timestamp\":2,\"prediction\":2}",
            "{\"modelId\":\"m\",\"timestamp\":1,\"prediction\":1} \n");

    private static final String INVALID = "not valid JSON: ";
    private static final String ALPHABET = "{}[]:,\"\\ 0123456789.eE+-abnlstruefNIaZT\u00e9";

    private void assertSame(String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        PredictionEventParser.Result streaming = PredictionEventParser.parse(bytes);
        PredictionEventParser.Result shared = sharing.read(bytes);
        // The sharing instance gives exactly what the self-contained parse gives, reasons included.
        assertThat(shared.error()).as(json).isEqualTo(streaming.error());
        assertThat(shared.event()).as(json).isEqualTo(streaming.event());
        PredictionEventParser.Result tree = TreePredictionEventParser.parse(bytes);
        if (tree.error() != null && tree.error().startsWith(INVALID) && streaming.error() != null
                && streaming.error().startsWith(INVALID)) {
            // Both say invalid JSON; the detail may name a different first problem where a
            // duplicate name is directly followed by a syntax error (Jackson reads the name and
            // the start of its value in one step, before the parser can compare the name).
            return;
        }
        assertThat(streaming.error()).as(json).isEqualTo(tree.error());
        assertThat(streaming.event()).as(json).isEqualTo(tree.event());
    }

    @Test
    void validAndBrokenRecordsGetTheSameEventOrReason() {
        SEEDS.forEach(this::assertSame);
        for (int cut = 0; cut < PredictionEventParserTest.CONTRACT_EXAMPLE.length(); cut++) {
            assertSame(PredictionEventParserTest.CONTRACT_EXAMPLE.substring(0, cut));
        }
    }

    @Test
    void randomMutationsGetTheSameEventOrReason() {
        SplittableRandom random = new SplittableRandom(11);
        List<String> accepted = new ArrayList<>();
        for (int i = 0; i < 50_000; i++) {
            StringBuilder s = new StringBuilder(SEEDS.get(random.nextInt(SEEDS.size())));
            for (int edits = 1 + random.nextInt(3); edits > 0 && s.length() > 0; edits--) {
                int at = random.nextInt(s.length());
                switch (random.nextInt(3)) {
                    case 0 -> s.deleteCharAt(at);
                    case 1 -> s.insert(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
                    default -> s.setCharAt(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
                }
            }
            String json = s.toString();
            assertSame(json);
            if (PredictionEventParser.parse(json.getBytes(StandardCharsets.UTF_8)).ok()) {
                accepted.add(json);
            }
        }
        // The mutations must also reach the accepting paths, not only the error paths.
        assertThat(accepted).hasSizeGreaterThan(1_000);
    }
}
