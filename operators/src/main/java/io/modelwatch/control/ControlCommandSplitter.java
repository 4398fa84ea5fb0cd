package io.modelwatch.control;

import io.modelwatch.model.SideOutputs;
import io.modelwatch.ingest.DeadLetters;
import io.modelwatch.config.ConfigException;
import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.model.ControlRecord;
import io.modelwatch.model.ControlUpdate;
import java.nio.charset.StandardCharsets;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Checks each control record ({@link ControlCommandParser}) before it is broadcast: a good one
 * goes on as a {@link ControlUpdate}, a bad one to {@link SideOutputs#DEAD_LETTERS} with the
 * reason, once (here, on the subtask that read it, not on every monitor it would be broadcast to).
 * A bad record changes nothing: the key's previous control state stays in force.
 */
public final class ControlCommandSplitter extends ProcessFunction<ControlRecord, ControlUpdate> {
    private final ThresholdsConfig thresholds;

    public ControlCommandSplitter(ThresholdsConfig thresholds) {
        this.thresholds = thresholds;
    }

    @Override
    public void processElement(ControlRecord r, Context ctx, Collector<ControlUpdate> out) {
        if (r.key() == null || r.key().isBlank()) {
            dead(r, "key: missing; the key of a control record is its modelId, or * for every model", ctx);
            return;
        }
        if (r.value() == null) {
            out.collect(new ControlUpdate(r.key(), null));
            return;
        }
        String json = new String(r.value(), StandardCharsets.UTF_8);
        try {
            ControlCommandParser.parse(r.key(), json, thresholds);
        } catch (ConfigException e) {
            dead(r, e.getMessage(), ctx);
            return;
        } catch (RuntimeException e) {
            // Not expected from the parser; still a bad record, never a failed job.
            dead(r, "cannot be read: " + e, ctx);
            return;
        }
        out.collect(new ControlUpdate(r.key(), json));
    }

    private static void dead(ControlRecord r, String reason, Context ctx) {
        ctx.output(SideOutputs.DEAD_LETTERS, DeadLetters.of(r.topic(), r.partition(), r.offset(),
                r.kafkaTimestamp(), r.value(), reason));
    }
}
