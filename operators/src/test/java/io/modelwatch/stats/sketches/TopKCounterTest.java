package io.modelwatch.stats.sketches;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TopKCounterTest {

    @Test
    void exactWhileDistinctItemsFitTheCapacity() {
        // 1..10 copies of item-1..item-10, shuffled: 55 additions, 10 distinct = capacity.
        List<String> stream = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            for (int j = 0; j < i; j++) {
                stream.add("item-" + i);
            }
        }
        Collections.shuffle(stream, new Random(7));
        TopKCounter counter = new TopKCounter(10);
        stream.forEach(counter::add);

        assertThat(counter.total()).isEqualTo(55);
        assertThat(counter.size()).isEqualTo(10);
        for (int i = 1; i <= 10; i++) {
            assertThat(counter.count("item-" + i)).isEqualTo(i);
            assertThat(counter.error("item-" + i)).isZero();
        }
        assertThat(counter.count("never-seen")).isZero();
        assertThat(counter.top(3)).containsExactly(
                new ItemCount("item-10", 10),
                new ItemCount("item-9", 9),
                new ItemCount("item-8", 8));
    }

    @Test
    void topSortsByCountThenItemAndCapsAtSize() {
        TopKCounter counter = new TopKCounter(8);
        counter.add("b", 2);
        counter.add("a", 2);
        counter.add("c", 5);
        counter.add("d");

        assertThat(counter.top(10)).containsExactly(
                new ItemCount("c", 5), new ItemCount("a", 2), new ItemCount("b", 2),
                new ItemCount("d", 1));
        assertThat(counter.top(0)).isEmpty();
        assertThatThrownBy(() -> counter.top(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void weightedAddFollowsTheSpaceSavingRule() {
        TopKCounter counter = new TopKCounter(2);
        // x+3 -> x=3; y+1 -> y=1; x+2 -> x=5
        // z+4: full, evict y (min 1): z = 1 + 4 = 5, error 1         -> {x=5, z=5}
        // w+1: min 5 tied between x and z, evict the greater "z":
        //      w = 5 + 1 = 6, error 5                               -> {x=5, w=6}
        // x+1 -> x=6                                                -> {x=6, w=6}
        // z+2: min 6 tied between w and x, evict "x": z = 6 + 2 = 8, error 6
        String[] items = {"x", "y", "x", "z", "w", "x", "z"};
        long[] weights = {3, 1, 2, 4, 1, 1, 2};
        for (int i = 0; i < items.length; i++) {
            counter.add(items[i], weights[i]);
        }

        assertThat(counter.total()).isEqualTo(14);
        assertThat(counter.top(2)).containsExactly(new ItemCount("z", 8), new ItemCount("w", 6));
        assertThat(counter.error("z")).isEqualTo(6);
        assertThat(counter.error("w")).isEqualTo(5);
        assertThat(counter.count("x")).isZero();
        assertThat(counter.error("x")).isZero();
    }

    @Test
    void weightedAddEqualsRepeatedAddBelowCapacity() {
        TopKCounter weighted = new TopKCounter(10);
        TopKCounter repeated = new TopKCounter(10);
        weighted.add("x", 3);
        for (int i = 0; i < 3; i++) {
            repeated.add("x");
        }
        assertThat(serialise(weighted)).isEqualTo(serialise(repeated));
    }

    @Test
    void evictionBreaksTiesByItemString() {
        // a=1, b=1 at capacity 2; c must replace one of them. Space-Saving allows either; we
        // evict the greatest string ("b"), the one top() lists last, so c = 1 + 1 with error 1.
        TopKCounter counter = new TopKCounter(2);
        counter.add("b");
        counter.add("a");
        counter.add("c");

        assertThat(counter.count("a")).isEqualTo(1);
        assertThat(counter.count("b")).isZero();
        assertThat(counter.count("c")).isEqualTo(2);
        assertThat(counter.error("c")).isEqualTo(1);
        assertThat(counter.total()).isEqualTo(3);
    }

    @Test
    void zipfStreamRespectsTheSpaceSavingBounds() {
        int capacity = 50;
        List<String> stream = zipfStream(new Random(20050101L), 2000, 1.1, 200_000);
        Map<String, Long> truth = trueCounts(stream);
        TopKCounter counter = new TopKCounter(capacity);
        stream.forEach(counter::add);

        assertThat(counter.total()).isEqualTo(stream.size());
        assertThat(counter.size()).isEqualTo(capacity);
        assertSpaceSavingBounds(counter, truth);
        // The heavy head of a Zipf(1.1) law is far apart, so the top five are found exactly in
        // order even though their counts carry some overestimate.
        assertThat(counter.top(5)).extracting(ItemCount::item)
                .containsExactly("z1", "z2", "z3", "z4", "z5");
    }

    @Test
    void replayGivesIdenticalState() {
        List<String> stream = zipfStream(new Random(3), 500, 1.0, 20_000);
        TopKCounter first = new TopKCounter(20);
        TopKCounter second = new TopKCounter(20);
        stream.forEach(first::add);
        stream.forEach(second::add);
        assertThat(serialise(second)).isEqualTo(serialise(first));
    }

    @Test
    void mergeOfExactSummariesIsExactAddition() {
        TopKCounter a = new TopKCounter(5);
        a.add("x", 3);
        a.add("y", 1);
        TopKCounter b = new TopKCounter(5);
        b.add("x", 2);
        b.add("z", 4);

        a.merge(b);

        assertThat(a.total()).isEqualTo(10);
        assertThat(a.top(5)).containsExactly(
                new ItemCount("x", 5), new ItemCount("z", 4), new ItemCount("y", 1));
        assertThat(a.error("x")).isZero();
        assertThat(b.total()).isEqualTo(6); // the argument is unchanged
    }

    /** Exact summaries whose items fit together merge into the summary of both streams, byte for byte. */
    @Test
    void mergeOfExactSummariesThatFitIsTheSummaryOfBothStreams() throws IOException {
        Random r = new Random(7);
        int fitted = 0;
        for (int trial = 0; trial < 2000; trial++) {
            int alphabet = 2 + r.nextInt(12);
            TopKCounter a = new TopKCounter(8);
            TopKCounter b = new TopKCounter(8);
            TopKCounter both = new TopKCounter(8);
            for (int i = r.nextInt(20); i > 0; i--) {
                String item = "c" + r.nextInt(alphabet);
                a.add(item);
                both.add(item);
            }
            for (int i = r.nextInt(20); i > 0; i--) {
                String item = "c" + r.nextInt(alphabet);
                b.add(item);
                both.add(item);
            }
            if (both.size() < 8) {
                fitted++;
                a.merge(b);
                assertThat(serialise(a)).as("trial %d", trial).isEqualTo(serialise(both));
            }
        }
        assertThat(fitted).isGreaterThan(500);
    }

    @Test
    void mergeKeepsTheLargestAndCreditsMissingItemsTheOtherSidesMinimum() {
        // a (full): p=5, q=2 -> min 2; b (full): p=1, r=3 -> min 1.
        // p: 5+1 = 6 (err 0), q: 2 + b's min 1 = 3 (err 1), r: 3 + a's min 2 = 5 (err 2).
        // Keep two: p=6, r=5; q is dropped.
        TopKCounter a = new TopKCounter(2);
        a.add("p", 5);
        a.add("q", 2);
        TopKCounter b = new TopKCounter(2);
        b.add("p", 1);
        b.add("r", 3);

        a.merge(b);

        assertThat(a.top(2)).containsExactly(new ItemCount("p", 6), new ItemCount("r", 5));
        assertThat(a.error("r")).isEqualTo(2);
        assertThat(a.total()).isEqualTo(11);
    }

    @Test
    void mergedPartitionsRespectTheBoundsOfTheWholeStream() {
        int capacity = 40;
        List<String> stream = zipfStream(new Random(99), 3000, 1.05, 120_000);
        Map<String, Long> truth = trueCounts(stream);

        // Four "subtasks" each see every fourth event; merge them in two different orders.
        TopKCounter[] parts = new TopKCounter[4];
        for (int p = 0; p < 4; p++) {
            parts[p] = new TopKCounter(capacity);
        }
        for (int i = 0; i < stream.size(); i++) {
            parts[i % 4].add(stream.get(i));
        }
        TopKCounter leftFold = parts[0].copy();
        for (int p = 1; p < 4; p++) {
            leftFold.merge(parts[p]);
        }
        TopKCounter left = parts[0].copy();
        left.merge(parts[1]);
        TopKCounter right = parts[2].copy();
        right.merge(parts[3]);
        right.merge(left);

        for (TopKCounter merged : List.of(leftFold, right)) {
            assertThat(merged.total()).isEqualTo(stream.size());
            assertSpaceSavingBounds(merged, truth);
            assertThat(merged.top(3)).extracting(ItemCount::item)
                    .containsExactly("z1", "z2", "z3");
        }
        // Adding keeps working after a merge and still honours the bounds.
        List<String> more = zipfStream(new Random(100), 3000, 1.05, 30_000);
        more.forEach(leftFold::add);
        more.forEach(item -> truth.merge(item, 1L, Long::sum));
        assertSpaceSavingBounds(leftFold, truth);
    }

    @Test
    void mergeIsSymmetricAndDeterministic() {
        TopKCounter a = new TopKCounter(10);
        TopKCounter b = new TopKCounter(10);
        zipfStream(new Random(1), 100, 1.0, 5000).forEach(a::add);
        zipfStream(new Random(2), 100, 1.0, 5000).forEach(b::add);

        TopKCounter ab = a.copy();
        ab.merge(b);
        TopKCounter ba = b.copy();
        ba.merge(a);
        assertThat(serialise(ab)).isEqualTo(serialise(ba));
    }

    @Test
    void mergeWithItselfDoublesCounts() {
        TopKCounter a = new TopKCounter(4);
        a.add("x", 3);
        a.add("y");
        a.merge(a);
        assertThat(a.top(4)).containsExactly(new ItemCount("x", 6), new ItemCount("y", 2));
        assertThat(a.total()).isEqualTo(8);
    }

    @Test
    void mergeRejectsASmallerCapacity() {
        TopKCounter a = new TopKCounter(10);
        assertThatThrownBy(() -> a.merge(new TopKCounter(5)))
                .isInstanceOf(IllegalArgumentException.class);
        a.merge(new TopKCounter(20)); // a larger one is fine: its error bound is tighter
    }

    @Test
    void rejectsInvalidArguments() {
        assertThatThrownBy(() -> new TopKCounter(0)).isInstanceOf(IllegalArgumentException.class);
        TopKCounter counter = new TopKCounter(3);
        assertThatThrownBy(() -> counter.add("x", -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> counter.add(null)).isInstanceOf(NullPointerException.class);
        counter.add("x", 0);
        assertThat(counter.size()).isZero();
        assertThat(counter.total()).isZero();
    }

    @Test
    void copyIsIndependent() {
        TopKCounter a = new TopKCounter(3);
        a.add("x");
        TopKCounter b = a.copy();
        b.add("x");
        b.add("y");
        assertThat(a.count("x")).isEqualTo(1);
        assertThat(a.size()).isEqualTo(1);
        assertThat(b.count("x")).isEqualTo(2);
        assertThat(b.capacity()).isEqualTo(3);
    }

    @Test
    void roundTripsThroughBinaryForm() throws IOException {
        TopKCounter original = new TopKCounter(30);
        zipfStream(new Random(5), 200, 1.0, 10_000).forEach(original::add);
        // Strings that standard UTF-8 or writeUTF would mangle or refuse.
        original.add("");
        original.add("\u0000nul");
        original.add("caf\u00e9 \u6f22\u5b57 \ud83d\ude00");
        original.add("lone \ud800 surrogate");
        original.add("x".repeat(70_000));

        byte[] bytes = serialise(original);
        TopKCounter restored = TopKCounter.readFrom(input(bytes));

        assertThat(restored.capacity()).isEqualTo(30);
        assertThat(restored.total()).isEqualTo(original.total());
        assertThat(restored.top(30)).isEqualTo(original.top(30));
        assertThat(restored.count("lone \ud800 surrogate"))
                .isEqualTo(original.count("lone \ud800 surrogate"));
        assertThat(serialise(restored)).isEqualTo(bytes);

        // The restored counter evolves exactly as the original.
        List<String> more = zipfStream(new Random(6), 200, 1.0, 1000);
        more.forEach(original::add);
        more.forEach(restored::add);
        assertThat(serialise(restored)).isEqualTo(serialise(original));
    }

    @Test
    void rejectsUnknownFormatVersion() {
        byte[] bytes = serialise(new TopKCounter(3));
        bytes[0] = 9;
        assertThatThrownBy(() -> TopKCounter.readFrom(input(bytes)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("TopKCounter")
                .hasMessageContaining("version 9");
    }

    /**
     * The guarantees of Metwally et al. (2005, Lemmas 3.3-3.5 and Theorem 3.5): a tracked
     * estimate lies in [true, true + total/capacity] and its recorded error covers the
     * overestimate; an untracked item occurred at most min-count (<= total/capacity) times, so
     * every item above total/capacity is tracked.
     */
    private static void assertSpaceSavingBounds(TopKCounter counter, Map<String, Long> truth) {
        long bound = counter.total() / counter.capacity();
        long min = counter.top(counter.capacity()).stream()
                .mapToLong(ItemCount::count).min().orElse(0);
        assertThat(min).isLessThanOrEqualTo(bound);
        long sumOfCounts = 0;
        for (ItemCount ic : counter.top(counter.capacity())) {
            long trueCount = truth.getOrDefault(ic.item(), 0L);
            assertThat(ic.count()).as(ic.item()).isBetween(trueCount, trueCount + bound);
            assertThat(ic.count() - counter.error(ic.item())).as(ic.item())
                    .isLessThanOrEqualTo(trueCount);
            sumOfCounts += ic.count();
        }
        assertThat(sumOfCounts).isLessThanOrEqualTo(counter.total());
        for (Map.Entry<String, Long> e : truth.entrySet()) {
            if (counter.count(e.getKey()) == 0) {
                assertThat(e.getValue()).as(e.getKey()).isLessThanOrEqualTo(min);
            }
        }
    }

    /** n draws from a Zipf law over items z1..zN with P(z_r) proportional to 1 / r^s. */
    static List<String> zipfStream(Random random, int distinct, double s, int n) {
        double[] cdf = new double[distinct];
        double sum = 0;
        for (int r = 1; r <= distinct; r++) {
            sum += 1 / Math.pow(r, s);
            cdf[r - 1] = sum;
        }
        List<String> stream = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            double u = random.nextDouble() * sum;
            int lo = 0;
            int hi = distinct - 1;
            while (lo < hi) { // first rank whose cumulative weight exceeds u
                int mid = (lo + hi) >>> 1;
                if (cdf[mid] > u) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            stream.add("z" + (lo + 1));
        }
        return stream;
    }

    private static Map<String, Long> trueCounts(List<String> stream) {
        Map<String, Long> counts = new HashMap<>();
        stream.forEach(item -> counts.merge(item, 1L, Long::sum));
        return counts;
    }

    private static byte[] serialise(TopKCounter counter) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            counter.writeTo(new DataOutputStream(bytes));
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static DataInputStream input(byte[] bytes) {
        return new DataInputStream(new ByteArrayInputStream(bytes));
    }

    /**
     * Format 2 (varints) holds what format 1 held: format 1's bytes, as the previous build wrote
     * them (a counter past its capacity, with errors, and an item of non-ASCII characters), read
     * back to the counter that writes the same format-2 bytes and goes on the same way.
     */
    @Test
    void format1ReadsBackToTheCounterFormat2Writes() throws IOException {
        TopKCounter direct = new TopKCounter(8);
        Random r = new Random(4);
        for (int i = 0; i < 2_000; i++) {
            direct.add(i % 97 == 0 ? "\u00e9t\u00e9-\u20ac" : "c" + (int) Math.floor(-Math.log(1 - r.nextDouble()) * 4));
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(1);
        out.writeInt(direct.capacity());
        out.writeLong(direct.total());
        List<ItemCount> top = direct.top(direct.size());
        out.writeInt(top.size());
        for (ItemCount c : top) {
            out.writeInt(c.item().length());
            out.write(c.item().getBytes(java.nio.charset.StandardCharsets.UTF_8)); // BMP, no NUL: modified UTF-8 is UTF-8
            out.writeLong(c.count());
            out.writeLong(direct.error(c.item()));
        }
        byte[] format1 = bytes.toByteArray();
        byte[] format2 = StateBytes.of(direct::writeTo);
        assertThat(format2[0]).isEqualTo((byte) 2);
        assertThat(format2.length).isLessThan(format1.length / 2);
        TopKCounter old = StateBytes.read(format1, TopKCounter::readFrom);
        assertThat(StateBytes.of(old::writeTo)).isEqualTo(format2);
        TopKCounter back = StateBytes.read(format2, TopKCounter::readFrom);
        for (int i = 0; i < 500; i++) {
            String item = "d" + r.nextInt(30);
            direct.add(item);
            old.add(item);
            back.add(item);
        }
        assertThat(StateBytes.of(old::writeTo)).isEqualTo(StateBytes.of(direct::writeTo));
        assertThat(StateBytes.of(back::writeTo)).isEqualTo(StateBytes.of(direct::writeTo));
    }
}
