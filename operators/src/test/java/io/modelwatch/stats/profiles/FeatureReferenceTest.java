package io.modelwatch.stats.profiles;

import io.modelwatch.stats.sketches.CategoryBins;
import io.modelwatch.stats.sketches.TopKCounter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import io.modelwatch.stats.sketches.QuantileBinsTest;
import java.io.IOException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FeatureReferenceTest {
    static FeatureProfile normal(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        FeatureProfile p = new FeatureProfile();
        for (int i = 0; i < n; i++) {
            p.addNumeric(10 + 2 * r.nextGaussian(), -1);
        }
        return p;
    }

    @Test
    void theGridIsAMultipleOfThePsiBins() {
        assertThat(FeatureReference.gridBins(10)).isEqualTo(50);
        assertThat(FeatureReference.gridBins(7)).isEqualTo(56);
        assertThat(FeatureReference.gridBins(100)).isEqualTo(100);
        assertThat(FeatureReference.gridBins(2)).isEqualTo(50);
    }

    @Test
    void windowsCountOnTheGridAndPsiCountsAreItsSums() {
        FeatureReference fr = FeatureReference.freeze("x", normal(1, 5000), 5000, 10, 20);
        assertThat(fr.grid().binCount()).isEqualTo(50);
        assertThat(fr.binCount()).isEqualTo(50);
        assertThat(fr.numericBins().binCount()).isEqualTo(10);
        assertThat(fr.quantiles()).hasSize(49);
        assertThat(fr.rankError()).isGreaterThan(0).isLessThan(0.02);
        // Every PSI edge is a grid edge.
        assertThat(fr.grid().edges()).contains(fr.numericBins().edges());

        SplittableRandom r = new SplittableRandom(2);
        long[] grid = new long[fr.binCount()];
        double[] direct = new double[fr.numericBins().binCount()];
        for (int i = 0; i < 3000; i++) {
            double x = 10 + 2.5 * r.nextGaussian();
            grid[fr.binOf(x)]++;
            direct[fr.numericBins().binOf(x)]++;
        }
        assertThat(fr.psiCounts(grid)).containsExactly(direct);
    }

    @Test
    void formatOneReferencesStillReadAndCountOnTheirPsiBins() throws IOException {
        FeatureReference fr = FeatureReference.freeze("x", normal(3, 2000), 2000, 10, 20);
        // Format 1 as it was written before the grid: the same fields up to the category bins.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(1);
        out.writeUTF(fr.name());
        out.writeBoolean(true);
        out.writeLong(fr.present());
        out.writeLong(fr.missing());
        out.writeDouble(fr.mean());
        out.writeDouble(fr.stddev());
        out.writeDouble(fr.min());
        out.writeDouble(fr.max());
        out.writeBoolean(true);
        fr.numericBins().writeTo(out);
        out.writeBoolean(false);
        FeatureReference old = FeatureReference.readFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        assertThat(old.grid()).isNull();
        assertThat(old.quantiles()).isNull();
        assertThat(old.binCount()).isEqualTo(10);
        assertThat(old.binOf(10.0)).isEqualTo(fr.numericBins().binOf(10.0));
        assertThat(old.psiCounts(new long[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}))
                .containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    }

    @Test
    void formatTwoRoundTrips() throws IOException {
        FeatureReference fr = FeatureReference.freeze("x", normal(4, 4000), 4100, 10, 20);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        fr.writeTo(new DataOutputStream(bytes));
        FeatureReference back = FeatureReference.readFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        assertThat(back.grid()).isEqualTo(fr.grid());
        assertThat(back.numericBins()).isEqualTo(fr.numericBins());
        assertThat(back.quantiles()).containsExactly(fr.quantiles());
        assertThat(back.rankError()).isEqualTo(fr.rankError());
        assertThat(back.missing()).isEqualTo(100);
        // Small enough to keep per feature in every model's reference.
        assertThat(bytes.size()).isLessThan(2000);
    }

    @Test
    void exactProportionsFromASecondPassHaveNoRankError() {
        FeatureProfile learned = normal(5, 5000);
        FeatureReference fr = FeatureReference.freeze("x", learned, 5000, 10, 20);
        FeatureProfile counted = FeatureProfile.binned(fr.binCount());
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < 5000; i++) {
            double x = 10 + 2 * r.nextGaussian();
            counted.addNumeric(x, fr.binOf(x));
        }
        FeatureReference exact = fr.withExactProportions(counted);
        assertThat(exact.rankError()).isZero();
        long[] bins = counted.bins();
        double[] props = exact.countingProportions();
        for (int i = 0; i < bins.length; i++) {
            assertThat(props[i]).isCloseTo(bins[i] / 5000.0, within(1e-15));
        }
        double[] psi = exact.psiProportions();
        double[] coarse = fr.psiCounts(bins);
        for (int i = 0; i < psi.length; i++) {
            assertThat(psi[i]).isCloseTo(coarse[i] / 5000.0, within(1e-15));
        }
    }

    @Test
    void categoryBinsKeepOnlyExactlyCountedCategories() {
        TopKCounter c = new TopKCounter(3);
        c.add("a", 10);
        c.add("b", 5);
        c.add("c", 2);
        c.add("d", 1); // evicts c: d's count 3 includes up to 2 of c's
        CategoryBins bins = CategoryBins.fromCounter(c, 20);
        assertThat(bins.categories()).containsExactly("a", "b");
        // OTHER is the exact remainder: (2 + 1) / 18.
        assertThat(bins.referenceProportions()).containsExactly(10 / 18.0, 5 / 18.0, 1 - 15 / 18.0);
        assertThat(bins.binOf("d")).isEqualTo(2);
        assertThat(bins.binOf("never seen")).isEqualTo(2);
    }

    /**
     * Format 3 holds what format 2 held: references of a continuous feature (4-decimal values),
     * a flag, a categorical feature and one never seen, written in format 2 as the previous build
     * wrote them (bins in QuantileBins' format 1), read back to the reference that writes the same
     * format-3 bytes as the one frozen; format 3 is under half of format 2 here.
     */
    @Test
    void formatTwoReadsBackToTheReferenceFormatThreeWrites() throws IOException {
        SplittableRandom r = new SplittableRandom(6);
        FeatureProfile decimals = new FeatureProfile();
        FeatureProfile flag = new FeatureProfile();
        FeatureProfile categorical = new FeatureProfile();
        for (int i = 0; i < 5000; i++) {
            decimals.addNumeric(Math.round((10 + 2 * r.nextGaussian()) * 1e4) / 1e4, -1);
            flag.addNumeric(r.nextInt(10) < 3 ? 1 : 0, -1);
            categorical.addCategorical("c" + r.nextInt(7), -1);
        }
        int format2Bytes = 0;
        int format3Bytes = 0;
        for (FeatureReference fr : new FeatureReference[] {FeatureReference.freeze("x", decimals, 5100, 10, 20),
            FeatureReference.freeze("flag", flag, 5000, 10, 20), FeatureReference.freeze("c", categorical, 5000, 10, 20),
            FeatureReference.freeze("never", new FeatureProfile(), 5000, 10, 20)}) {
            ByteArrayOutputStream now = new ByteArrayOutputStream();
            fr.writeTo(new DataOutputStream(now));
            byte[] format2 = formatTwo(fr);
            FeatureReference old = FeatureReference.readFrom(new DataInputStream(new ByteArrayInputStream(format2)));
            ByteArrayOutputStream again = new ByteArrayOutputStream();
            old.writeTo(new DataOutputStream(again));
            assertThat(again.toByteArray()).isEqualTo(now.toByteArray());
            FeatureReference back = FeatureReference.readFrom(new DataInputStream(new ByteArrayInputStream(now.toByteArray())));
            assertThat(back.grid()).isEqualTo(fr.grid());
            assertThat(back.numericBins()).isEqualTo(fr.numericBins());
            assertThat(back.quantiles()).isEqualTo(fr.quantiles());
            assertThat(back.knownCategories()).isEqualTo(fr.knownCategories());
            format2Bytes += format2.length;
            format3Bytes += now.size();
        }
        assertThat(format3Bytes).isLessThan(format2Bytes / 2);
    }

    /** FeatureReference's format 2, its bins in QuantileBins' format 1, as the previous build wrote them. */
    private static byte[] formatTwo(FeatureReference fr) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(2);
        out.writeUTF(fr.name());
        out.writeBoolean(fr.numeric());
        out.writeLong(fr.present());
        out.writeLong(fr.missing());
        out.writeDouble(fr.mean());
        out.writeDouble(fr.stddev());
        out.writeDouble(fr.min());
        out.writeDouble(fr.max());
        out.writeBoolean(fr.numericBins() != null);
        if (fr.numericBins() != null) {
            out.write(QuantileBinsTest.format1(fr.numericBins()));
        }
        out.writeBoolean(fr.categoryBins() != null);
        if (fr.categoryBins() != null) {
            fr.categoryBins().writeTo(out);
        }
        out.writeBoolean(fr.grid() != null);
        if (fr.grid() != null) {
            out.write(QuantileBinsTest.format1(fr.grid()));
        }
        out.writeInt(fr.quantiles() == null ? -1 : fr.quantiles().length);
        if (fr.quantiles() != null) {
            for (double q : fr.quantiles()) {
                out.writeDouble(q);
            }
        }
        out.writeDouble(fr.rankError());
        out.writeInt(fr.knownCategories() == null ? -1 : fr.knownCategories().length);
        if (fr.knownCategories() != null) {
            for (String k : fr.knownCategories()) {
                out.writeUTF(k);
            }
        }
        out.writeLong(fr.singletons());
        out.writeLong(fr.nonFinite());
        out.writeLong(fr.otherType());
        return bytes.toByteArray();
    }
}
