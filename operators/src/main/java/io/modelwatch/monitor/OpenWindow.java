package io.modelwatch.monitor;

import io.modelwatch.model.PredictionEvent;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceProfile;
import io.modelwatch.stats.sketches.StateBytes;
import java.util.ArrayList;
import java.util.List;

/**
 * An open event-time window of one model version: its events themselves while they are few
 * (up to {@link #EVENTS_KEPT}), and a {@link ModelProfile} of them once they are more.
 *
 * <p>Why: at little traffic per model (one to a few dozen events a window) nearly every window is
 * merged into a pending span ({@link LowTrafficSpans}), and a profile of its own was most of what
 * such a window cost: two dozen features' sketches built for a few values, merged into the span,
 * and serialised into state as a chunk whose size is mostly the sketches' fixed part, so the
 * span itself was written whole every few windows (docs/benchmarks.md). A window kept as its
 * events adds them straight into the span when it closes, and goes to state as a chunk of
 * events ({@link LearningChunks}' encoding, a few bytes per value).
 *
 * <p>A window of events gives the same profile as a window profiled as they came when it is
 * turned into one ({@link #profile}): the same calls in the same order. Added into a span, its
 * events are added one by one rather than merged as a profile; both summarise the same values
 * (a merge and the adds it replaces differ only where the sketches compact, within their error
 * bounds).
 *
 * <p>State form ({@link #toBytes}): a window of events is the tag {@link #EVENTS_TAG}, whether it
 * is binned, then the chunk of its events; a profiled window is the profile's bytes as before
 * (whose first byte, its format, is 1 to 4), so state written by earlier builds reads as it was.
 * The same form is one entry of the pending span's chunks ("pendingChunks").
 */
final class OpenWindow {
    /**
     * The events a window keeps as themselves; the next one turns it into a profile. Measured
     * ({@code OpenProfileHeapWeight}, 20 numeric and 5 categorical features): kept events take
     * some 700 bytes of heap each, a binned window's profile 22.7 KB for one event, 26.4 KB for 10
     * and 35.0 KB for 60, so the events take less heap up to some 50 events and a little more at
     * 64. A window that full (64 events a minute) closes into a span of a few windows or is judged
     * on its own, where the profile is needed anyway.
     */
    static final int EVENTS_KEPT = 64;
    /**
     * Up to this many events, a pending span's chunk of the window is encoded afresh with the
     * span's feature names as a flag (a one-event window's names are most of its bytes); a longer
     * window's chunk is its state form, whose events were encoded once each as checkpoints wrote
     * the window, with the names written out once.
     */
    static final int NAMED_CHUNK_EVENTS = 8;
    /** The first byte of a window of events in state: no {@link ModelProfile} format has it. */
    static final byte EVENTS_TAG = 0x45;

    private final boolean binned;
    /** The events, in their order; null once profiled. */
    private List<PredictionEvent> events;
    /** The profile; null while the window keeps its events. */
    private ModelProfile profile;
    /** The events' state form so far, each event encoded once; null until first written. */
    private LearningChunks.Encoder encoded;

    private OpenWindow(boolean binned, List<PredictionEvent> events, ModelProfile profile) {
        this.binned = binned;
        this.events = events;
        this.profile = profile;
    }

    /** A new window: binned against the reference when there is one, else summarised (warm-up). */
    static OpenWindow open(boolean binned) {
        return new OpenWindow(binned, new ArrayList<>(4), null);
    }

    /** A window held as a profile (tests, and state written by earlier builds). */
    static OpenWindow of(ModelProfile profile) {
        return new OpenWindow(profile.binned(), null, profile);
    }

    /** Whether the window's values are counted on the reference's bins (false for a warm-up window). */
    boolean binned() {
        return binned;
    }

    long events() {
        return events != null ? events.size() : profile.events();
    }

    /** The values its kept events hold, features and prediction (0 once profiled). */
    long keptValues() {
        long n = 0;
        if (events != null) {
            for (PredictionEvent e : events) {
                n += e.featureCount() + 1;
            }
        }
        return n;
    }

    /** Whether the window still keeps its events (not profiled). */
    boolean keepsEvents() {
        return events != null;
    }

    /** Adds an event to a binned window, compared with {@code ref}. */
    void add(PredictionEvent e, ReferenceProfile ref) {
        if (!kept(e)) {
            add(profile(ref), e, ref);
        }
    }

    /** Adds an event to a warm-up window (summarised, not binned). */
    void add(PredictionEvent e) {
        if (!kept(e)) {
            add(profile(null), e, null);
        }
    }

    /** Keeps {@code e} while the window keeps its events and has room; false when it is to be profiled. */
    private boolean kept(PredictionEvent e) {
        if (events != null && events.size() < EVENTS_KEPT) {
            events.add(e);
            return true;
        }
        return false;
    }

    /**
     * The window as a profile (built from its events the first time, against {@code ref} when the
     * window is binned); from then on the window is that profile.
     */
    ModelProfile profile(ReferenceProfile ref) {
        if (profile == null) {
            // A binned window outlives its reference only if a reference action left it open,
            // which none does (they discard the open windows); it would be summarised unbinned.
            ReferenceProfile binOn = binned ? ref : null;
            ModelProfile p = binOn != null ? ModelProfile.against(binOn) : new ModelProfile();
            for (PredictionEvent e : events) {
                add(p, e, binOn);
            }
            profile = p;
            events = null;
            encoded = null;
        }
        return profile;
    }

    /** Adds the window into {@code span} (of the same kind): its events one by one, or its profile merged. */
    void addTo(ModelProfile span, ReferenceProfile ref) {
        if (events == null) {
            span.merge(profile);
            return;
        }
        ReferenceProfile binOn = binned ? ref : null;
        for (PredictionEvent e : events) {
            add(span, e, binOn);
        }
    }

    /** Adds {@code e} to {@code p}: binned on {@code binOn}, or summarised when it is null. */
    private static void add(ModelProfile p, PredictionEvent e, ReferenceProfile binOn) {
        if (binOn != null) {
            p.add(e, binOn);
        } else {
            p.add(e);
        }
    }

    /** The state form: the events' chunk with the tag, or the profile's bytes. */
    byte[] toBytes() {
        return toBytes(null);
    }

    /**
     * The state form, with feature names equal to {@code knownNames} (null: none) written as a
     * flag: a pending span's chunk names those of the span it extends ({@link #names}).
     */
    byte[] toBytes(String[] knownNames) {
        if (events == null) {
            return profile.toBytes();
        }
        if (knownNames != null && events.size() <= NAMED_CHUNK_EVENTS) {
            return StateBytes.of(out -> {
                out.writeByte(EVENTS_TAG);
                out.writeBoolean(binned);
                LearningChunks.writeTo(events, out, knownNames);
            });
        }
        if (encoded == null) {
            encoded = new LearningChunks.Encoder();
        }
        for (int i = encoded.count(); i < events.size(); i++) {
            encoded.add(events.get(i));
        }
        return StateBytes.of(out -> {
            out.writeByte(EVENTS_TAG);
            out.writeBoolean(binned);
            encoded.writeTo(out);
        });
    }

    /** A profile's feature names in its order: what its chunks' events mostly carry. */
    static String[] names(ModelProfile p) {
        return p.features().keySet().toArray(new String[0]);
    }

    /** A window (or a pending span's chunk) from its state form. */
    static OpenWindow fromBytes(byte[] bytes) {
        return fromBytes(bytes, null);
    }

    /** A pending span's chunk from its state form, written with {@code knownNames}. */
    static OpenWindow fromBytes(byte[] bytes, String[] knownNames) {
        if (bytes.length == 0 || bytes[0] != EVENTS_TAG) {
            return of(ModelProfile.fromBytes(bytes));
        }
        return StateBytes.read(bytes, in -> {
            in.readByte();
            boolean binned = in.readBoolean();
            List<PredictionEvent> events = new ArrayList<>();
            LearningChunks.readFrom(in, events::add, knownNames);
            return new OpenWindow(binned, events, null);
        });
    }
}
