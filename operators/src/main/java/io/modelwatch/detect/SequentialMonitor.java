package io.modelwatch.detect;

import io.modelwatch.config.Thresholds;
import io.modelwatch.stats.sketches.StateBytes;
import io.modelwatch.stats.profiles.FeatureProfile;
import io.modelwatch.stats.profiles.FeatureReference;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceProfile;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sequential change detectors over the evaluated windows of one model version: a {@link Cusum}
 * (against the reference) and a {@link PageHinkley} (against the stream's own history) for every
 * numeric feature and a numeric prediction. Where the two-sample tests judge each window alone,
 * these accumulate small but persistent shifts over windows.
 *
 * <p>The scalar they watch per window is the <em>PIT shift</em>
 * {@code u = mean over the window's values of F_ref(x) - 1/2}, with {@code F_ref} the reference's
 * mid-CDF on its quantile grid (computed from the window's exact grid counts). It is the window's
 * mean after the probability integral transform by the reference, which makes it bounded,
 * scale-free and blind to tails: a heavy-tailed feature cannot throw it off, where its raw window
 * mean would. Under no change {@code E[u] = 0} exactly (also with ties, thanks to the mid-CDF) with
 * standard error {@code 1/sqrt(12 m)}; a normal mean shift of {@code d} standard deviations gives
 * {@code u = Phi(d / sqrt 2) - 1/2 ~ 0.28 d}. (It is the Mann-Whitney effect
 * {@code P(X_window > X_ref) - 1/2}.)
 *
 * <p>Detectors alarm at {@link Thresholds#sequentialThreshold()} after deviations beyond
 * {@link Thresholds#sequentialAllowance()} accumulate (reasons there); an alarm is evidence for
 * the signal in that window, like a failed test, and restarts the detector. Page-Hinkley waits
 * for {@link #PAGE_HINKLEY_MIN_WINDOWS} windows so that its running mean means something.
 */
public final class SequentialMonitor {
    public static final String CUSUM = "cusum";
    public static final String PAGE_HINKLEY = "page_hinkley";
    public static final int PAGE_HINKLEY_MIN_WINDOWS = 5;

    private static final byte FORMAT = 1;

    private final LinkedHashMap<String, Cusum> cusums = new LinkedHashMap<>();
    private final LinkedHashMap<String, PageHinkley> pageHinkleys = new LinkedHashMap<>();

    /**
     * Feeds one evaluated window to the detectors and returns what each says about its signal,
     * alarm or not, for the window's report and evidence.
     */
    public List<SequentialEvidence> update(ReferenceProfile ref, ModelProfile window, Thresholds t) {
        List<SequentialEvidence> out = new ArrayList<>();
        if (!(t.sequentialThreshold() > 0)) {
            return out;
        }
        for (Map.Entry<String, FeatureReference> e : ref.features().entrySet()) {
            watch("feature:" + e.getKey(), e.getValue(), window.features().get(e.getKey()), t, out);
        }
        watch("prediction", ref.prediction(), window.prediction(), t, out);
        return out;
    }

    private void watch(String signal, FeatureReference fr, FeatureProfile p, Thresholds t,
            List<SequentialEvidence> out) {
        if (!fr.numeric() || !fr.hasBins() || p == null || p.bins() == null || p.bins().length != fr.binCount()
                || p.present() * 2 < t.minWindowEvents()) {
            return;
        }
        double u = pitShift(fr, p.bins());
        double k = t.sequentialAllowance();
        double h = t.sequentialThreshold();
        Cusum c = cusums.computeIfAbsent(signal, s -> new Cusum());
        PageHinkley ph = pageHinkleys.computeIfAbsent(signal, s -> new PageHinkley());
        boolean cusumAlarm = c.add(u, 0, cusumAllowance(k, fr.present()), h);
        boolean phAlarm = ph.add(u, k, h, PAGE_HINKLEY_MIN_WINDOWS);
        out.add(new SequentialEvidence(signal, CUSUM, c.lastValue(), h, cusumAlarm));
        out.add(new SequentialEvidence(signal, PAGE_HINKLEY, ph.lastValue(), h, phAlarm));
    }

    /**
     * Standard errors of the reference's own PIT error below which CUSUM's allowance never goes
     * (see {@link #cusumAllowance}).
     */
    static final double REFERENCE_STANDARD_ERRORS = 4;

    /**
     * CUSUM's allowance for a signal whose reference has {@code referenceValues} values: the
     * configured {@code k}, but at least {@value #REFERENCE_STANDARD_ERRORS} standard errors of the
     * reference's own sampling error in {@code u}.
     *
     * <p>Why: CUSUM takes the reference as the truth (target 0), but a reference of {@code n}
     * values is itself a sample: given it, a stationary stream's window PIT shift has the constant
     * mean {@code b = mean over the reference values y of (1/2 - F(y))}, with standard deviation
     * {@code sqrt(1 / (12 n))} over reference samples (the Mann-Whitney variance with one side
     * fixed). Whatever of {@code |b|} exceeds the allowance accumulates window after window, and
     * the detector alarms on a stream that never changed. With the default reference (5,000 values,
     * standard error 0.004) the default allowance of 0.035 is 9 standard errors and this changes
     * nothing; with 180 values (standard error 0.022) it was 1.6, so about one signal in ten had
     * a bias beyond it: in a latency run with 180-event references 125 of 800 stationary models
     * triggered FEATURE_DRIFT, on CUSUM evidence (368 of 370 pieces). Four standard errors make
     * such a bias a 1-in-16,000 event per signal, and the allowance grows only where the
     * reference is small (below about 1,100 values). Page-Hinkley, which compares the stream with its own past, has
     * no such bias.
     */
    static double cusumAllowance(double k, long referenceValues) {
        if (referenceValues <= 0) {
            return k;
        }
        return Math.max(k, REFERENCE_STANDARD_ERRORS * Math.sqrt(1.0 / (12.0 * referenceValues)));
    }

    /** Mean of the reference mid-CDF over the window's values, minus 1/2 (see the class comment). */
    public static double pitShift(FeatureReference fr, long[] counts) {
        double[] ref = fr.countingProportions();
        double total = 0;
        double weighted = 0;
        double below = 0;
        for (int b = 0; b < counts.length; b++) {
            double mid = below + ref[b] / 2;
            weighted += counts[b] * mid;
            total += counts[b];
            below += ref[b];
        }
        return total == 0 ? 0 : weighted / total - 0.5;
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        out.writeInt(cusums.size());
        for (Map.Entry<String, Cusum> e : cusums.entrySet()) {
            out.writeUTF(e.getKey());
            e.getValue().writeTo(out);
            PageHinkley ph = pageHinkleys.get(e.getKey());
            (ph == null ? new PageHinkley() : ph).writeTo(out);
        }
    }

    public static SequentialMonitor readFrom(DataInput in) throws IOException {
        byte format = in.readByte();
        if (format != FORMAT) {
            throw new IOException("SequentialMonitor: unknown format " + format);
        }
        SequentialMonitor m = new SequentialMonitor();
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            String signal = in.readUTF();
            m.cusums.put(signal, Cusum.readFrom(in));
            m.pageHinkleys.put(signal, PageHinkley.readFrom(in));
        }
        return m;
    }

    public byte[] toBytes() {
        return StateBytes.of(this::writeTo);
    }

    public static SequentialMonitor fromBytes(byte[] bytes) {
        return StateBytes.read(bytes, SequentialMonitor::readFrom);
    }
}
