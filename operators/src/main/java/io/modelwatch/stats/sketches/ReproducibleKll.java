package io.modelwatch.stats.sketches;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Field;
import java.util.Random;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.kll.KllSketch;

/**
 * Updates and merges of KLL sketches whose compaction coin flips depend only on the sketch's own
 * history, so the same values in the same order give the same sketch, byte for byte, in every run.
 *
 * <p>Why: a KLL compaction keeps either the odd or the even items of a sorted level, chosen by a
 * coin flip. DataSketches 6.2 draws every flip from one static, unseeded {@code java.util.Random}
 * ({@code KllSketch.random}, package-private and {@code static final}; {@code KllDoublesHelper}
 * reads it in {@code compressWhileUpdatingSketch} and {@code generalDoublesCompress}), and offers no
 * API to pass another. So a reference learned twice from the same events had different quantiles,
 * hence a different reference grid, and an Anderson-Darling p-value near 0.001 moved by a factor of
 * about 3 between two runs: a run and its recovery from a checkpoint could disagree on a verdict.
 * The one Random is also shared by every task thread (an atomic compare-and-set per flip).
 *
 * <p>How: once per class loader, before any sketch of ours compacts, {@link #install} puts a
 * {@link Random} subclass into {@code KllSketch.random} (through {@code sun.misc.Unsafe}, since the
 * field is final; module {@code jdk.unsupported} is readable from the class path). Its
 * {@code next(bits)} reads a per-thread SplitMix64 state, so task threads share no lock and no
 * state. Every update and merge goes through this class, which first sets the calling thread's
 * state from the sketch's {@code getN()} and the value (or the two sketches' sizes and extremes):
 * all of them are the sketch's history, so the flips of a compaction are a function of what the
 * sketch has seen. The flips stay fair and independent-looking (SplitMix64 passes BigCrush), so
 * KLL's rank-error guarantee, which assumes fair coins, holds as before ({@code
 * KllQuantileAccuracyTest}).
 *
 * <p>The field is {@code static final}, and HotSpot folds such fields into compiled code: a
 * compaction compiled before the install would keep the old Random. The install therefore runs in
 * this class's static initialiser, which every class of ours that holds a KLL sketch triggers
 * before using one, and it checks itself: it reads the field back and runs a compaction through
 * both paths (update and merge); if either did not draw from the installed Random, the class fails
 * to initialise with a one-line message. The install is per class loader: DataSketches must be
 * loaded by the class loader of this class (the job jar bundles it, {@code JobJarContentTest}); a
 * DataSketches in Flink's {@code lib/}, shared by several jobs, would hold one job's Random.
 *
 * <p>Cost: an update seeds the thread's state only when it compacts, which DataSketches does
 * first in an update that finds the sketch full ({@code levelsArr[0] == 0}: level 0 fills the
 * items array downwards); the seed is the one every update used to set, so the sketches are the
 * same. Seeding is a {@code ThreadLocal} read, and a Flink task thread's map of them is crowded:
 * JFR put it at a seventh of learning a reference when every update seeded (docs/benchmarks.md).
 * The field is read through a {@link VarHandle}, checked at class initialisation against what an
 * update does; where it cannot be read (another DataSketches), every update seeds, as before.
 */
public final class ReproducibleKll {
    static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    /** Per thread: [0] the SplitMix64 state, [1] how many flips were drawn (the self-check). */
    private static final ThreadLocal<long[]> STATE = ThreadLocal.withInitial(() -> new long[2]);
    private static final Random SEEDED = new ThreadSeededRandom();

    static {
        install();
    }

    /**
     * {@code KllSketch.levelsArr}, or null where it cannot be read or does not say when an update
     * compacts (then every update seeds). Initialised after the install, whose self-check seeds
     * every update.
     */
    private static final VarHandle LEVELS = checkedLevelsHandle();

    private ReproducibleKll() {}

    /** Adds {@code x} to {@code sketch}; a compaction it causes flips coins seeded by its history. */
    public static void update(KllDoublesSketch sketch, double x) {
        if (compactsFirst(sketch)) {
            seed(mix(sketch.getN() * GOLDEN_GAMMA ^ Double.doubleToLongBits(x)));
        }
        sketch.update(x);
    }

    /**
     * True when an update of {@code sketch} would compact it first (its items array is full), or
     * when that cannot be told; only then does the coins' seed matter.
     */
    static boolean compactsFirst(KllDoublesSketch sketch) {
        VarHandle levels = LEVELS;
        return levels == null || sketch.isDirect() || ((int[]) levels.get(sketch))[0] == 0;
    }

    /** The handle if it reads the field and the field says, update after update, when one compacts. */
    private static VarHandle checkedLevelsHandle() {
        VarHandle h;
        try {
            h = MethodHandles.privateLookupIn(KllSketch.class, MethodHandles.lookup())
                    .findVarHandle(KllSketch.class, "levelsArr", int[].class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
        KllDoublesSketch probe = KllDoublesSketch.newHeapInstance(8);
        for (int i = 0; i < 1_000; i++) {
            int[] levels = (int[]) h.get(probe);
            boolean predicted = levels != null && levels.length > 0 && levels[0] == 0;
            int before = probe.getNumRetained();
            seed(mix(i));
            probe.update(i % 7 * 1.5);
            boolean compacted = probe.getNumRetained() != before + 1;
            if (predicted != compacted) {
                return null;
            }
        }
        return h;
    }

    /** Merges {@code source} into {@code target} with coins seeded by both sketches' histories. */
    public static void merge(KllDoublesSketch target, KllDoublesSketch source) {
        if (source.isEmpty()) {
            target.merge(source);
            return;
        }
        long h = mix(target.getN() * GOLDEN_GAMMA + source.getN());
        h = mix(h ^ Double.doubleToLongBits(source.getMinItem()));
        h = mix(h ^ Double.doubleToLongBits(source.getMaxItem()));
        if (!target.isEmpty()) {
            h = mix(h ^ Double.doubleToLongBits(target.getMinItem()) * 31 + Double.doubleToLongBits(target.getMaxItem()));
        }
        seed(h);
        target.merge(source);
    }

    /** Makes sure the installation ran (it runs once, when this class is first used). */
    public static void install() {
        // The static initialiser did the work; calling this only triggers it.
        Installer.installOnce();
    }

    /** Flips drawn from the installed Random by the calling thread so far (for tests). */
    static long flipsDrawn() {
        return STATE.get()[1];
    }

    static void seed(long state) {
        STATE.get()[0] = state;
    }

    /** SplitMix64's finaliser (Steele, Lea and Flood 2014): a bijection that mixes every bit. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A Random whose bits come from the calling thread's SplitMix64 state, with no shared state. */
    private static final class ThreadSeededRandom extends Random {
        private static final long serialVersionUID = 1L;

        @Override
        protected int next(int bits) {
            long[] s = STATE.get();
            s[0] += GOLDEN_GAMMA;
            s[1]++;
            return (int) (mix(s[0]) >>> (64 - bits));
        }
    }

    private static final class Installer {
        private static boolean installed;

        static synchronized void installOnce() {
            if (installed) {
                return;
            }
            try {
                // Initialise KllSketch first, or its own initialiser would overwrite ours later.
                Class.forName(KllSketch.class.getName(), true, KllSketch.class.getClassLoader());
                Field f = KllSketch.class.getDeclaredField("random");
                Field theUnsafe = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
                theUnsafe.setAccessible(true);
                sun.misc.Unsafe unsafe = (sun.misc.Unsafe) theUnsafe.get(null);
                Object base = unsafe.staticFieldBase(f);
                long offset = unsafe.staticFieldOffset(f);
                unsafe.putObjectVolatile(base, offset, SEEDED);
                if (unsafe.getObjectVolatile(base, offset) != SEEDED) {
                    throw new IllegalStateException("the field does not hold the installed Random after writing it");
                }
                selfCheck();
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                throw new IllegalStateException("cannot make KLL compaction reproducible (DataSketches "
                        + KllSketch.class.getPackage().getImplementationVersion() + ", KllSketch.random): " + e, e);
            }
            installed = true;
        }

        /**
         * Compacts through update and through merge and checks both drew from the installed Random:
         * code compiled while the old one was in the field would still draw from the old one.
         */
        private static void selfCheck() {
            long before = flipsDrawn();
            KllDoublesSketch a = KllDoublesSketch.newHeapInstance(8);
            KllDoublesSketch b = KllDoublesSketch.newHeapInstance(8);
            for (int i = 0; i < 100; i++) {
                update(a, i);
                update(b, -i);
            }
            long afterUpdates = flipsDrawn();
            merge(a, b);
            long afterMerge = flipsDrawn();
            if (afterUpdates == before || afterMerge == afterUpdates) {
                throw new IllegalStateException("a compaction did not draw from the installed Random (flips by update: "
                        + (afterUpdates - before) + ", by merge: " + (afterMerge - afterUpdates)
                        + "); was KLL code compiled before the install?");
            }
        }
    }
}
