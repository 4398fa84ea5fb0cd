package io.modelwatch.evaluation;

import io.modelwatch.model.IngestRecord;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.ValueKind;
import java.util.SplittableRandom;

/**
 * The events of one {@link ModelRun} in arrival order, generated on the fly: a model of a
 * million events costs a random generator and a counter, not a million objects. Arrivals are
 * evenly spaced; event times equal them, except for out-of-order scenarios, where each event is
 * stamped up to 20 s before it arrives (and 1% between 45 s and 3 min before: later than the
 * job's 30 s watermark delay allows). Events of a labelled scenario carry a predictionId (model
 * id and sequence number), which {@link LabelStream} uses for their labels.
 */
final class ModelStream implements ScenarioSource.Arrivals {
    final ModelRun run;
    final int order;
    private final SplittableRandom random;
    private final String[] names;
    private final Object[] values;
    private final int rate;
    private final long total;
    private long index;

    ModelStream(ModelRun run, int order) {
        this.run = run;
        this.order = order;
        this.random = new SplittableRandom(run.seed());
        this.names = run.scenario().population().features();
        this.values = new Object[names.length];
        this.rate = run.scenario().eventsPerMinute();
        this.total = run.events();
    }

    @Override
    public boolean hasNext() {
        return index < total;
    }

    /** Arrival time of the next event. */
    @Override
    public long nextArrival() {
        return run.startMillis() + index * 60_000 / rate;
    }

    PredictionEvent next() {
        long arrival = nextArrival();
        long timestamp = arrival;
        if (run.scenario().outOfOrder()) {
            timestamp -= random.nextDouble() < 0.01
                    ? 45_000 + (long) (random.nextDouble() * 135_000)
                    : (long) (random.nextDouble() * 20_000);
        }
        double score = run.scenario().population().draw(random, run.driftAt(timestamp), values);
        int k = names.length;
        byte[] kinds = new byte[k];
        double[] nums = new double[k];
        String[] cats = new String[k];
        for (int i = 0; i < k; i++) {
            Object v = values[i];
            if (v instanceof Number x) {
                kinds[i] = ValueKind.NUMERIC;
                nums[i] = x.doubleValue();
            } else if (v != null) {
                kinds[i] = ValueKind.CATEGORICAL;
                cats[i] = v.toString();
            } else {
                kinds[i] = ValueKind.MISSING;
            }
        }
        String predictionId = run.scenario().labels() == null ? null : predictionId(run.modelId(), index);
        index++;
        return new PredictionEvent(run.modelId(), "1", predictionId, timestamp, names, kinds, nums, cats,
                ValueKind.NUMERIC, score, null);
    }

    @Override
    public IngestRecord nextRecord() {
        return IngestRecord.of(next());
    }

    static String predictionId(String modelId, long index) {
        return modelId + "/" + index;
    }
}
