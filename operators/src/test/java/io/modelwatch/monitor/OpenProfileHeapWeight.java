package io.modelwatch.monitor;

import io.modelwatch.model.PredictionEvent;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceBuilder;
import io.modelwatch.stats.profiles.ReferenceProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The heap an open profile takes as objects against its serialised size and against what {@link OpenProfiles#heapWeight} weighs it as, by the number of events in it: profiles of the workload of {@link LowTrafficCpuTime}
 * (20 numeric and 5 categorical features), as a reference being learned or a window before the
 * reference is known (unbinned) and as a window against a learned reference (binned). Each row
 * keeps {@code copies} profiles of {@code n} events alive and reads the heap used after a full GC
 * before and after. Not a test (no assertion, the figures behind
 * {@link OpenProfiles#heapWeight} and {@link OpenProfileSizing}); run as {@link LowTrafficCpuTime}
 * says, with {@code -XX:+UseSerialGC -Xmx2g} so that the heap used after {@code System.gc()} is exact.
 */
public final class OpenProfileHeapWeight {
    private OpenProfileHeapWeight() {}

    public static void main(String[] args) throws Exception {
        SplittableRandom r = new SplittableRandom(11);
        List<PredictionEvent> refEvents = new ArrayList<>();
        ModelProfile learned = new ModelProfile();
        for (int i = 0; i < 5000; i++) {
            PredictionEvent e = LowTrafficCpuTime.event(r, "m", i * 10L, i);
            learned.add(e);
            refEvents.add(e);
        }
        ReferenceProfile ref = ReferenceBuilder.learned(learned, 10, 10);
        System.out.println("kind      events  copies  serialised B  heap B  heap/serialised  weighed/heap");
        for (boolean binned : new boolean[] {false, true}) {
            for (int n : new int[] {1, 10, 60, 300, 1000, 5000}) {
                int copies = Math.min(4000, Math.max(400, 200_000 / n));
                List<PredictionEvent> events = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    events.add(LowTrafficCpuTime.event(r, "m", i * 10L, i));
                }
                long before = usedAfterGc();
                ModelProfile[] kept = new ModelProfile[copies];
                long serialised = 0;
                for (int c = 0; c < copies; c++) {
                    ModelProfile p = binned ? ModelProfile.against(ref) : new ModelProfile();
                    for (PredictionEvent e : events) {
                        if (binned) {
                            p.add(e, ref);
                        } else {
                            p.add(e);
                        }
                    }
                    kept[c] = p;
                    if (c < 20) {
                        serialised += p.toBytes().length;
                    }
                }
                long after = usedAfterGc();
                double heap = (after - before) / (double) copies;
                double bytes = serialised / (double) Math.min(copies, 20);
                double weighed = OpenProfiles.heapWeight(Math.round(bytes), kept[0]);
                System.out.printf("%-8s %7d %7d %13.0f %7.0f %16.2f %13.2f%n", binned ? "binned" : "unbinned", n,
                        copies, bytes, heap, heap / bytes, weighed / heap);
                if (kept.length == 0) {
                    throw new AssertionError();
                }
            }
        }
        keptEvents(r);
    }

    /**
     * Windows that keep their events ({@link OpenWindow}): each copy its own events, as each
     * window's are in the job (their names array shared, their category strings and prediction ids
     * not: an upper bound of the job, where {@code SharedStrings} shares short strings).
     */
    private static void keptEvents(SplittableRandom r) throws InterruptedException {
        for (int n : new int[] {1, 10, 60}) {
            int copies = Math.max(400, 40_000 / n);
            long before = usedAfterGc();
            OpenWindow[] kept = new OpenWindow[copies];
            for (int c = 0; c < copies; c++) {
                OpenWindow w = OpenWindow.open(true);
                for (int i = 0; i < n; i++) {
                    w.add(LowTrafficCpuTime.event(r, "m", i * 10L, i), null);
                }
                kept[c] = w;
            }
            long after = usedAfterGc();
            double heap = (after - before) / (double) copies;
            long bytes = kept[0].toBytes().length;
            double weighed = OpenProfiles.heapWeight(bytes, kept[0]);
            System.out.printf("%-8s %7d %7d %13d %7.0f %16.2f %13.2f%n", "events", n, copies, bytes, heap,
                    heap / bytes, weighed / heap);
        }
    }

    private static long usedAfterGc() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
