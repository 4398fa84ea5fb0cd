package io.modelwatch.evaluation;

import io.modelwatch.model.IngestRecord;
import io.modelwatch.model.LabelEvent;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.ValueKind;
import java.util.Comparator;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * The labels of one labelled {@link ModelRun} in arrival (label-time) order. It replays the
 * model's predictions from the same seed (so it sees the very scores the job sees), draws each
 * label from its own generator, and holds the drawn labels until no later prediction can produce
 * an earlier one: every label comes at least {@link Scenario.Labels#delayMillis} after its
 * prediction, so the earliest held label is final once the next prediction is later than it
 * minus that delay. Labelled scenarios are in order (event time = arrival).
 */
final class LabelStream implements ScenarioSource.Arrivals {
    /** Separates the label generator's seed from the prediction generator's. */
    private static final long LABEL_SALT = 0x5DEECE66DL;

    private record Pending(long time, long index, LabelEvent label) {}

    private final ModelStream predictions;
    private final Scenario.Labels labels;
    private final ModelRun run;
    private final SplittableRandom random;
    private final PriorityQueue<Pending> held = new PriorityQueue<>(
            Comparator.comparingLong(Pending::time).thenComparingLong(Pending::index));
    private long index;

    LabelStream(ModelRun run) {
        if (run.scenario().labels() == null || run.scenario().outOfOrder()) {
            throw new IllegalArgumentException("labels need a labelled, in-order scenario: " + run.scenario().name());
        }
        this.run = run;
        this.labels = run.scenario().labels();
        this.predictions = new ModelStream(run, 0);
        this.random = new SplittableRandom(run.seed() ^ LABEL_SALT);
    }

    /** Draws labels until the earliest held one is final (or the predictions are done). */
    private void fill() {
        while (predictions.hasNext()
                && (held.isEmpty() || predictions.nextArrival() + labels.delayMillis() <= held.peek().time())) {
            PredictionEvent p = predictions.next();
            long i = index++;
            if (random.nextDouble() >= labels.share()) {
                continue;
            }
            double probability = labels.probability(p, run.driftAt(p.timestamp()));
            double label = random.nextDouble() < probability ? 1 : 0;
            long time = p.timestamp() + labels.delayMillis() + (long) (random.nextDouble() * labels.jitterMillis());
            held.add(new Pending(time, i, new LabelEvent(p.modelId(), p.predictionId(), time, ValueKind.NUMERIC, label,
                    null)));
        }
    }

    @Override
    public boolean hasNext() {
        fill();
        return !held.isEmpty();
    }

    @Override
    public long nextArrival() {
        fill();
        Pending head = held.peek();
        if (head == null) {
            throw new NoSuchElementException();
        }
        return head.time();
    }

    @Override
    public IngestRecord nextRecord() {
        fill();
        Pending head = held.poll();
        if (head == null) {
            throw new NoSuchElementException();
        }
        return IngestRecord.of(head.label());
    }
}
