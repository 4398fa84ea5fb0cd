package io.modelwatch.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.config.Thresholds;
import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.Evidence;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.model.ValueKind;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceBuilder;
import io.modelwatch.stats.profiles.ReferenceProfile;
import io.modelwatch.stats.sketches.RankCorrelations;
import io.modelwatch.stats.tests.CorrelationChange;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The pair test's edges, on the detector alone (profiles and evaluation, no Flink): features
 * with heavy ties (a count that is zero 45% of the time, a three-valued code, a 50/50 flag), with
 * more than half of the reference on one value (a 70%-zero amount, a 1% flag, a 70/30 flag),
 * with high missing rates (40%, 80%), and a model with more numeric features than the cap of 12.
 *
 * <p>Every feature is a fixed monotone function of a standard normal latent, the latents tied by
 * Gaussian factors; flipping a latent's sign ({@code g(-z)} for {@code g(z)}) flips every
 * correlation of its feature and leaves its marginal exactly as it was.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class JointTiesAndCapTest {
    static final Thresholds T = Thresholds.defaults();
    static final DriftEvaluator.Context CTX = new DriftEvaluator.Context("m", "1", 0, 60_000, 7000, 0, 0, "v1");

    /**
     * Seventeen numeric features, named so that name order is the order below. Thirteen have at
     * most half of their mass on one value, so the joint summary takes the first twelve of them by
     * name and leaves out {@code q_normal} (past the cap) and the four features with more than
     * half on one value: a 70%-zero amount, a 1% flag, a 70/30 flag and a 48/52 flag (a binary
     * feature has more than half on one of its values unless it is split exactly in two).
     */
    static final String[] NAMES = {
        "a_lognormal", "b_lognormal", "c_count45", "d_code3", "e_zero70", "f_flag1", "g_flag70", "h_missing80",
        "i_missing40", "j_cauchy", "k_binary52", "l_normal", "m_uniform", "n_exponential", "o_normal", "p_normal",
        "q_normal"
    };

    static final String[] JOINT = {
        "a_lognormal", "b_lognormal", "c_count45", "d_code3", "h_missing80", "i_missing40", "j_cauchy",
        "l_normal", "m_uniform", "n_exponential", "o_normal", "p_normal"
    };

    /** Which latents have their sign flipped (b_lognormal, d_code3, q_normal): none when stationary. */
    record Flip(boolean b, boolean d, boolean q) {
        static final Flip NONE = new Flip(false, false, false);
    }

    static List<PredictionEvent> events(long seed, int n, Flip flip) {
        SplittableRandom r = new SplittableRandom(seed);
        List<PredictionEvent> out = new ArrayList<>(n);
        int f = NAMES.length;
        for (int e = 0; e < n; e++) {
            double common = gaussian(r);
            double ab = gaussian(r);
            double cd = gaussian(r);
            double[] z = new double[f];
            for (int i = 0; i < f; i++) {
                // Every pair tied by the common factor at 0.3; a with b, c with d, p with q at 0.8.
                z[i] = Math.sqrt(0.3) * common + Math.sqrt(0.7) * gaussian(r);
            }
            z[0] = Math.sqrt(0.8) * ab + Math.sqrt(0.2) * gaussian(r);
            z[1] = Math.sqrt(0.8) * ab + Math.sqrt(0.2) * gaussian(r);
            z[2] = Math.sqrt(0.8) * cd + Math.sqrt(0.2) * gaussian(r);
            z[3] = Math.sqrt(0.8) * cd + Math.sqrt(0.2) * gaussian(r);
            double pq = gaussian(r);
            z[15] = Math.sqrt(0.8) * pq + Math.sqrt(0.2) * gaussian(r);
            z[16] = Math.sqrt(0.8) * pq + Math.sqrt(0.2) * gaussian(r);
            if (flip.b()) {
                z[1] = -z[1];
            }
            if (flip.d()) {
                z[3] = -z[3];
            }
            if (flip.q()) {
                z[16] = -z[16];
            }
            double[] u = new double[f];
            for (int i = 0; i < f; i++) {
                u[i] = phi(z[i]);
            }
            byte[] kinds = new byte[f];
            Arrays.fill(kinds, ValueKind.NUMERIC);
            double[] v = new double[f];
            v[0] = Math.exp(z[0]);
            v[1] = Math.exp(z[1]);
            v[2] = u[2] < 0.45 ? 0 : Math.floor((u[2] - 0.45) / 0.55 * 6) + 1; // 0 (45%), then 1..6
            v[3] = u[3] < 0.4 ? 0 : u[3] < 0.7 ? 1 : 2;
            v[4] = u[4] < 0.7 ? 0 : Math.exp(3 * z[4]); // an amount, 70% zero
            v[5] = u[5] < 0.99 ? 0 : 1;
            v[6] = u[6] < 0.7 ? 0 : 1;
            v[7] = z[7];
            v[8] = z[8];
            v[9] = Math.tan(Math.PI * (u[9] - 0.5));
            v[10] = u[10] < 0.48 ? 0 : 1;
            v[11] = z[11];
            v[12] = u[12];
            v[13] = -Math.log(1 - u[13]);
            v[14] = z[14];
            v[15] = z[15];
            v[16] = z[16];
            // Missing at random, independently of the values.
            if (r.nextDouble() < 0.8) {
                kinds[7] = ValueKind.MISSING;
                v[7] = 0;
            }
            if (r.nextDouble() < 0.4) {
                kinds[8] = ValueKind.MISSING;
                v[8] = 0;
            }
            out.add(new PredictionEvent("m", "1", null, e, NAMES, kinds, v, new String[f], ValueKind.NUMERIC, 0.5,
                    null));
        }
        return out;
    }

    static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    /** The standard normal CDF (Abramowitz and Stegun 7.1.26 via erf; error below 1.5e-7). */
    static double phi(double x) {
        double t = 1 / (1 + 0.3275911 * Math.abs(x) / Math.sqrt(2));
        double y = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027
                + t * 1.061405429)))) * Math.exp(-x * x / 2);
        return x >= 0 ? (1 + y) / 2 : (1 - y) / 2;
    }

    static ModelProfile window(ReferenceProfile ref, List<PredictionEvent> events) {
        ModelProfile w = ModelProfile.against(ref);
        events.forEach(e -> w.add(e, ref));
        return w;
    }

    static ReferenceProfile reference(long seed) {
        return ReferenceBuilder.fromData(events(seed, T.referenceEvents(), Flip.NONE), T.numericBins(),
                T.categoryBins());
    }

    @Test
    void theJointFeaturesAreTheFirstTwelveByNameWithAtMostHalfOnOneValue() {
        ReferenceProfile ref = reference(1);
        assertThat(ref.joint().names()).containsExactly(JOINT);
        assertThat(ref.joint().pairCount()).isEqualTo(RankCorrelations.pairs(RankCorrelations.MAX_FEATURES));
        // The same features from the same reference read in another order: by name, not by arrival.
        assertThat(ReferenceProfile.fromBytes(ref.toBytes()).joint().names()).containsExactly(JOINT);
    }

    /**
     * A million unchanged events, 1,000 windows of 1,000: no pair flags, and for every tested pair
     * the spread of the window's Fisher z over the windows is within the Spearman variance the
     * test assumes ({@code 1.06 / (n - 3)}), heavy ties and high missing rates included, so the
     * p-values are not too small. (The spread is measured on the window's z: the reference is the
     * same in every window.)
     */
    @Test
    void aMillionStationaryEventsWithTiesAndMissingValuesFlagNoPair() {
        ReferenceProfile ref = reference(2);
        int windows = 1000;
        int pairs = ref.joint().pairCount();
        double[] sum = new double[pairs];
        double[] sumSq = new double[pairs];
        long[] testedWindows = new long[pairs];
        double[] meanCount = new double[pairs];
        int flagged = 0;
        int signalled = 0;
        for (int k = 0; k < windows; k++) {
            ModelProfile w = window(ref, events(1000 + k, T.minWindowEvents(), Flip.NONE));
            List<DriftEvaluator.PairChange> changes = DriftEvaluator.pairs(ref, w, T);
            for (int p = 0; p < pairs; p++) {
                DriftEvaluator.PairChange pc = changes.get(p);
                if (pc.flagged()) {
                    flagged++;
                }
                if (pc.tested()) {
                    double scaled = CorrelationChange.fisherZ(pc.window())
                            * Math.sqrt((pc.windowCount() - 3) / CorrelationChange.SPEARMAN_VARIANCE_FACTOR);
                    sum[p] += scaled;
                    sumSq[p] += scaled * scaled;
                    testedWindows[p]++;
                    meanCount[p] += pc.windowCount();
                }
            }
            if (k % 10 == 0) {
                WindowEvaluation eval = DriftEvaluator.evaluate(ref, w, T, CTX);
                signalled += (int) eval.signals().stream()
                        .flatMap(s -> Arrays.stream(s.evidence()))
                        .filter(e -> e.statistic().equals(DriftEvaluator.RANK_CORRELATION_CHANGE)).count();
            }
        }
        assertThat(flagged).as("pair flags in %d stationary windows", windows).isZero();
        assertThat(signalled).isZero();

        RankCorrelations names = ref.joint();
        double largest = 0;
        int testedPairs = 0;
        StringBuilder table = new StringBuilder();
        for (int p = 0; p < pairs; p++) {
            if (testedWindows[p] < windows / 2) {
                continue;
            }
            testedPairs++;
            double mean = sum[p] / testedWindows[p];
            double sd = Math.sqrt(sumSq[p] / testedWindows[p] - mean * mean);
            largest = Math.max(largest, sd);
            table.append(String.format("%s*%s rho_ref=%.3f n=%.0f sd/expected=%.3f%n", names.first(p),
                    names.second(p), names.correlation(p), meanCount[p] / testedWindows[p], sd));
        }
        System.out.print(table);
        System.out.printf("tested pairs %d of %d; largest sd of the window's z over the Spearman sd: %.3f%n",
                testedPairs, pairs, largest);
        // The 80%-missing feature's pairs (about 200 events with both values, 120 with i_missing40)
        // are under half of window.minEvents and not tested: 11 pairs of 66. The 40%-missing
        // feature's (600) are.
        assertThat(testedPairs).isEqualTo(pairs - (RankCorrelations.MAX_FEATURES - 1));
        // Within 15% of the assumed standard deviation (1,000 windows estimate it to about 2%).
        // Measured: 0.91 to 1.13, the largest for the most correlated pairs (c_count45*d_code3 at
        // 0.69, with ties: 1.13; a*b at 0.78: 1.08), as Bonett and Wright's (1 + r^2/2) / (n - 3)
        // for Spearman's z predicts (1.08 and 1.11 of the assumed); see docs/detection.md.
        assertThat(largest).as(table.toString()).isLessThan(1.15);
    }

    @Test
    void aFlipIsFoundBetweenContinuousFeaturesAndBetweenHeavilyTiedOnes() {
        ReferenceProfile ref = reference(3);
        WindowEvaluation continuous = DriftEvaluator.evaluate(ref,
                window(ref, events(4, T.minWindowEvents(), new Flip(true, false, false))), T, CTX);
        assertThat(continuous.signals()).extracting(DriftSignal::reason).containsExactly(RetrainTrigger.FEATURE_DRIFT);
        assertThat(continuous.signals().get(0).evidence()[0].signal()).isEqualTo("feature:a_lognormal*b_lognormal");

        // A count that is zero 45% of the time and a three-valued code, latent correlation 0.8:
        // their mid-rank correlation (about 0.6) flips as well.
        WindowEvaluation tied = DriftEvaluator.evaluate(ref,
                window(ref, events(5, T.minWindowEvents(), new Flip(false, true, false))), T, CTX);
        assertThat(tied.signals()).extracting(DriftSignal::reason).containsExactly(RetrainTrigger.FEATURE_DRIFT);
        Evidence first = tied.signals().get(0).evidence()[0];
        assertThat(first.signal()).isEqualTo("feature:c_count45*d_code3");
        assertThat(first.value()).isGreaterThan(1.0);
        assertThat(tied.signals().get(0).evidence()).extracting(Evidence::signal)
                .doesNotContain("feature:c_count45", "feature:d_code3");
    }

    @Test
    void aFlipBetweenFeaturesPastTheCapIsNotSeenTheDocumentedBlindSpot() {
        ReferenceProfile ref = reference(6);
        WindowEvaluation eval = DriftEvaluator.evaluate(ref,
                window(ref, events(7, T.minWindowEvents(), new Flip(false, false, true))), T, CTX);
        assertThat(eval.signals()).isEmpty();
        assertThat(eval.report().joint().features()).contains("p_normal").doesNotContain("q_normal");
    }
}
