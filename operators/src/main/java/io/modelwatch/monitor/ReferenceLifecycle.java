package io.modelwatch.monitor;

import io.modelwatch.control.ControlCommand;
import io.modelwatch.config.Thresholds;
import io.modelwatch.functions.ControlStatus;
import io.modelwatch.functions.MonitorStatus;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceBuilder;
import io.modelwatch.stats.profiles.ReferenceProfile;
import java.util.Map;
import org.apache.flink.metrics.Counter;

/**
 * A model version's reference, from its first event to its expiry: learned from the first
 * {@code reference.events} events of the version (or as many as a relearn asked for), adopted
 * from {@code run --references} when one was given for the version, replaced by a control-topic
 * reference action (relearn, or use a given profile). Every reference is built by
 * {@link ReferenceBuilder}: a learned one from its profile, a given one with its timestamps
 * collapsed ({@link ReferenceBuilder#installed}), so that no event rate is read from a span of time
 * that was not the monitor's own traffic. A reference never changes once frozen, so decoded ones
 * of recently active versions are cached.
 */
final class ReferenceLifecycle {
    /** Decoded references of recently active keys. */
    private static final int REFERENCE_CACHE_SIZE = 4096;

    private final MonitorState state;
    private final OpenProfileStore store;
    /** References given up front (run --references), binary, by model key. */
    private final Map<String, byte[]> givenReferences;
    private final Map<String, ReferenceProfile> cache = new LruCache<>(REFERENCE_CACHE_SIZE);
    private final Counter referenceActions;

    /** The batch being learned from: its profiles, the reference being learned, its target size. */
    private OpenProfiles.Entry profiles;
    private ModelProfile learned;
    private int referenceEvents;
    private Thresholds t;

    ReferenceLifecycle(MonitorState state, OpenProfileStore store, Map<String, byte[]> givenReferences,
            Counter referenceActions) {
        this.state = state;
        this.store = store;
        this.givenReferences = givenReferences;
        this.referenceActions = referenceActions;
    }

    /**
     * The current key's reference, or null while it is learned. A reference given for the version
     * and not yet in state is adopted into state, so a restart without the file keeps judging
     * against it, unless a relearn command asked for one learned from traffic.
     */
    ReferenceProfile reference(String key) throws Exception {
        ReferenceProfile cached = cache.get(key);
        if (cached != null) {
            return cached;
        }
        byte[] bytes = state.reference.value();
        if (bytes == null) {
            bytes = givenReferences.get(key);
            if (bytes == null) {
                return null;
            }
            ControlStatus cs = state.control.value();
            if (cs != null && cs.ignoreGivenReference) {
                return null; // a relearn command asked for a reference learned from traffic
            }
            bytes = ReferenceBuilder.installed(ReferenceProfile.fromBytes(bytes)).toBytes();
            state.reference.update(bytes);
            store.clearLearning(key);
        }
        ReferenceProfile ref = ReferenceProfile.fromBytes(bytes);
        cache.put(key, ref);
        return ref;
    }

    /**
     * Runs the model's reference action on this version, once per commandId, before the batch's
     * events (at event time {@code at}, its first). Returns the version's control status when
     * the model's command has an action for this version, else null (not read).
     */
    ControlStatus applyCommand(String key, LiveThresholds.Live l, String modelVersion, long at, MonitorStatus st)
            throws Exception {
        ControlCommand.Reference action = l.referenceActionFor(modelVersion);
        if (action == null) {
            return null;
        }
        ControlStatus cs = state.controlOrNew();
        if (!l.model().commandId().equals(cs.referenceCommandId)) {
            apply(key, l.model().commandId(), action, at, cs, st);
        }
        return cs;
    }

    /**
     * Runs a reference action on this version. The open windows, the pending span and the
     * sequential detectors go: their counts were made on the old reference's bins or against it,
     * and judging them against another reference would be wrong. Their timers find nothing.
     */
    private void apply(String key, String commandId, ControlCommand.Reference action, long at, ControlStatus cs,
            MonitorStatus st) throws Exception {
        store.discard(key);
        state.clearPending();
        state.detectors.clear();
        cache.remove(key);
        st.pendingStart = -1;
        st.driftedWindowEnds = new long[0];
        if (ControlCommand.Reference.RELEARN.equals(action.action())) {
            state.reference.clear();
            cs.referenceEvents = action.events();
            cs.ignoreGivenReference = true;
        } else {
            ReferenceProfile given = ReferenceProfile.fromBytes(action.profile());
            state.reference.update(ReferenceBuilder.installed(given).toBytes());
            cs.referenceEvents = 0;
        }
        cs.referenceCommandId = commandId;
        cs.referenceAction = action.describe();
        cs.referenceAppliedAt = at;
        state.control.update(cs);
        state.status.update(st);
        referenceActions.inc();
    }

    /**
     * Starts learning from a batch of a version without a reference: {@code reference.events}
     * events, or as many as a relearn command asked for ({@code cs}, the version's control status
     * if already read).
     */
    void beginLearning(OpenProfiles.Entry profiles, Thresholds t, ControlStatus cs) throws Exception {
        this.profiles = profiles;
        this.t = t;
        this.learned = null;
        this.referenceEvents = t.referenceEvents();
        cs = cs != null ? cs : state.control.value();
        if (cs != null && cs.referenceEvents > 0) {
            referenceEvents = cs.referenceEvents;
        }
    }

    /**
     * Learns from one event (also added, unbinned, to its window, which reports as warm-up); returns
     * the reference once it is frozen, else null.
     */
    ReferenceProfile learn(String key, PredictionEvent e, OpenWindow window) throws Exception {
        if (learned == null) {
            learned = store.learning(profiles);
            if (learned == null) {
                learned = new ModelProfile();
            }
        }
        learned.add(e);
        store.learned(profiles, e);
        window.add(e);
        if (learned.events() < referenceEvents) {
            return null;
        }
        ReferenceProfile ref = ReferenceBuilder.learned(learned, t.numericBins(), t.categoryBins());
        state.reference.update(ref.toBytes());
        cache.put(key, ref);
        store.clearLearning(profiles);
        learned = null;
        return ref;
    }

    /**
     * Completes the joint part of a reference learned from traffic: its pairs' rank correlations
     * can only be measured in the PIT space of the frozen marginals, so they are learned from the
     * judged windows that follow the freeze, until they hold {@code target} events
     * ({@code reference.events}). Returns the reference to keep (the same when there is nothing
     * to learn).
     */
    ReferenceProfile learnJoint(String key, ReferenceProfile ref, ModelProfile judged, long target) throws Exception {
        if (ref.joint() == null || ref.jointComplete() || judged.joint() == null) {
            return ref;
        }
        ReferenceProfile more = ref.withJointFrom(judged.joint(), target);
        if (more != ref) {
            state.reference.update(more.toBytes());
            cache.put(key, more);
        }
        return more;
    }

    /**
     * Completes the prediction per segment of a reference learned from traffic (or restored from
     * a format without it): which values are segments is only known once the reference is frozen
     * ({@link io.modelwatch.stats.profiles.SegmentPlan}), so the segments' counts are summed from
     * the judged windows that follow the freeze, until they hold {@code target} events
     * ({@code reference.events}). A window whose prediction drifted is not added: it is what the
     * segments are to explain, not the baseline. Returns the reference to keep.
     */
    ReferenceProfile learnSegments(String key, ReferenceProfile ref, ModelProfile judged, long target,
            boolean predictionDrifted) throws Exception {
        if (ref.segments() == null || ref.segmentsComplete() || judged.segments() == null || predictionDrifted) {
            return ref;
        }
        ReferenceProfile more = ref.withSegmentsFrom(judged.segments(), target);
        if (more != ref) {
            state.reference.update(more.toBytes());
            cache.put(key, more);
        }
        return more;
    }

    /** Ends the batch: what is still being learned stays with the version's open profiles. */
    void endLearning() {
        if (learned != null) {
            store.keepLearning(profiles, learned);
        }
        profiles = null;
        learned = null;
        t = null;
    }

    /** The number of events the current key's reference has (or has learned so far). */
    long referenceEvents(String key, ReferenceProfile ref) throws Exception {
        if (ref != null) {
            return ref.events();
        }
        return store.learningEvents(key);
    }

    /** The version expired: its reference leaves the cache as it left state. */
    void forget(String key) {
        cache.remove(key);
    }
}
