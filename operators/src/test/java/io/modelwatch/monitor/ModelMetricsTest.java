package io.modelwatch.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.modelwatch.model.HealthReport;
import io.modelwatch.model.ModelKey;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.serde.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

class ModelMetricsTest {
    static final Path EXAMPLES = Path.of("..").toAbsolutePath().normalize().resolve("src/examples");

    final Map<String, Metric> registered = new TreeMap<>();
    final MetricGroup operator = new Recording(registered, "");

    static HealthReport example() throws Exception {
        return Json.read(Files.readString(EXAMPLES.resolve("health-report.json")), HealthReport.class);
    }

    @Test
    void gaugesOfTheLastEvaluatedWindowPerModelVersion() throws Exception {
        ModelMetrics metrics = new ModelMetrics(operator);
        metrics.windowEvaluated(ModelKey.of("churn", "7"), example());

        String scope = "modelwatch.model_id=churn.model_version=7.";
        assertThat(gauge(scope + "events")).isEqualTo(1204L);
        assertThat((double) gauge(scope + "eventsPerSecond")).isEqualTo(1204 / 60.0);
        assertThat(gauge(scope + "maxPsi")).isEqualTo(0.797);         // monthly_spend
        assertThat(gauge(scope + "predictionPsi")).isEqualTo(0.028);
        // What decides: monthly_spend's ks 0.367 against 0.0633 (its p-value, 2.3e-105, is far
        // past the FDR); the prediction's ks 0.071 is past its threshold, but its adjusted p 0.0061
        // is not significant at 0.001: log 0.0061 / log 0.001 = 0.74, below the 1 that flags.
        assertThat((double) gauge(scope + "maxDriftRatio")).isCloseTo(0.367 / 0.0633, within(1e-9));
        assertThat((double) gauge(scope + "predictionDriftRatio"))
                .isCloseTo(Math.log(0.0061) / Math.log(0.001), within(1e-9)).isLessThan(1);
        assertThat(gauge(scope + "minPValue")).isEqualTo(2.3e-105);
        assertThat(gauge(scope + "drifting")).isEqualTo(1);
        assertThat(gauge(scope + "driftedWindows")).isEqualTo(3);
        assertThat(gauge(scope + "missingValues")).isEqualTo(63L);    // region
        assertThat(gauge(scope + "lateEvents")).isEqualTo(0L);
    }

    @Test
    void atMostTheCapOfModelVersionsGetSeriesTheRestAreCounted() throws Exception {
        ModelMetrics metrics = new ModelMetrics(operator, 2);
        for (String id : new String[] {"a", "b", "c", "a"}) {
            metrics.windowEvaluated(ModelKey.of(id, "1"), example());
        }
        metrics.triggerEmitted(new RetrainTrigger("t", "d", "1", RetrainTrigger.FEATURE_DRIFT, RetrainTrigger.WARNING,
                "2026-11-26T12:05:00Z", "2026-11-26T12:02:00Z", new io.modelwatch.model.Evidence[0], "v", 1));

        assertThat(registered.keySet().stream().filter(k -> k.endsWith(".maxPsi")))
                .containsExactly("modelwatch.model_id=a.model_version=1.maxPsi", "modelwatch.model_id=b.model_version=1.maxPsi");
        assertThat(((Counter) registered.get("modelwatch.untrackedModelUpdates")).getCount()).isEqualTo(2);
    }

    @Test
    void triggersAreCountedPerModelVersion() {
        ModelMetrics metrics = new ModelMetrics(operator);
        RetrainTrigger t = new RetrainTrigger("t", "churn", "7", RetrainTrigger.FEATURE_DRIFT, RetrainTrigger.CRITICAL,
                "2026-11-26T12:05:00Z", "2026-11-26T12:02:00Z", new io.modelwatch.model.Evidence[0], "v", 1);
        metrics.triggerEmitted(t);
        metrics.triggerEmitted(t);
        assertThat(((Counter) registered.get("modelwatch.model_id=churn.model_version=7.triggers")).getCount()).isEqualTo(2);
    }

    Object gauge(String name) {
        assertThat(registered).containsKey(name);
        return ((Gauge<?>) registered.get(name)).getValue();
    }

    /** Records what is registered under which groups ("key=value" for key/value groups). */
    static final class Recording extends UnregisteredMetricsGroup {
        final Map<String, Metric> metrics;
        final String scope;

        Recording(Map<String, Metric> metrics, String scope) {
            this.metrics = metrics;
            this.scope = scope;
        }

        @Override
        public MetricGroup addGroup(String name) {
            return new Recording(metrics, scope + name + ".");
        }

        @Override
        public MetricGroup addGroup(String key, String value) {
            return new Recording(metrics, scope + key + "=" + value + ".");
        }

        @Override
        public Counter counter(String name) {
            return counter(name, new SimpleCounter());
        }

        @Override
        public <C extends Counter> C counter(String name, C counter) {
            metrics.put(scope + name, counter);
            return counter;
        }

        @Override
        public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
            metrics.put(scope + name, gauge);
            return gauge;
        }
    }
}
