package io.modelwatch.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.w3c.dom.Document;

/**
 * The chart as a user meets it: linted, rendered with the defaults, a typical production values
 * file and the shipped examples; the rendered FlinkDeployment checked against the image
 * (deploy/Dockerfile), the job jar (jobs/pom.xml), the job's command line and the Flink
 * Kubernetes Operator's CRD schema; the alerts against the metrics Flink exports; the
 * `helm test` script run against a stand-in for the JobManager's REST API.
 */
// A render takes a few seconds; a hang in the Helm library or the test script fails here.
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ModelwatchChartTest {

  // Surefire runs in the module directory, helm/.
  static final Path CHART = Path.of("modelwatch");
  static final Path REPO = Path.of("..");
  static final Path PRODUCTION = Path.of("src/test/resources/values-production.yaml");
  static final Path RUNBOOK = REPO.resolve("deploy/runbook-kubernetes.md");
  static final Path TLS_SASL_EXAMPLE = CHART.resolve("examples/values-tls-sasl.yaml");
  static final Path TEST_SCRIPT = CHART.resolve("files/test-job-running.sh");
  static final Path CRD = Path.of("src/test/resources/crds/flinkdeployments.flink.apache.org-v1.yml");
  static final Path JOBMANAGER_METRICS = Path.of("src/test/resources/flink-2.2-jobmanager-metrics.txt");
  static final Pattern THRESHOLDS_NAME = Pattern.compile("modelwatch-thresholds-([0-9a-f]{10})");
  static final String BOOTSTRAP = "my-cluster-kafka-bootstrap.kafka:9092";

  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  // ---------------------------------------------------------------- lint

  @Nested
  class Lint {

    @Test
    void passesStrictWithTheOneRequiredValue() throws IOException {
      // helm lint --strict --set kafka.bootstrapServers=...: helm-java's lint takes no values,
      // so lint a copy whose values.yaml has the documented example line uncommented.
      Path copy = copyChart();
      Path values = copy.resolve("values.yaml");
      String text = Files.readString(values);
      String example = "  # bootstrapServers: " + BOOTSTRAP + "\n";
      assertThat(text).as("values.yaml documents bootstrapServers with an example").contains(example);
      Files.writeString(values, text.replace(example, "  bootstrapServers: " + BOOTSTRAP + "\n"));

      LintResult result = new Helm(copy).lint().strict().call();

      assertThat(result.isFailed()).as("lint: %s", result.getMessages()).isFalse();
      assertThat(result.getMessages()).noneMatch(m -> m.startsWith("[ERROR]") || m.startsWith("[WARNING]"));
    }

    @Test
    void passesStrictWithTheTlsSaslExampleAndEveryOptionalResource() throws IOException {
      // helm lint -f examples/values-tls-sasl.yaml --set ...enabled=true, the same way: the
      // copy's values.yaml is the chart's with the example and the switches merged over it.
      Path copy = copyChart();
      JsonNode values = YAML.readTree(CHART.resolve("values.yaml").toFile());
      merge(values, YAML.readTree(TLS_SASL_EXAMPLE.toFile()));
      merge(values, YAML.readTree("""
          metrics: {podMonitor: {enabled: true}, prometheusRule: {enabled: true}, dashboard: {enabled: true}}
          kafkaTopics: {enabled: true}
          serviceAccount: {create: true, name: modelwatch-flink}
          restartNonce: 1
          """));
      YAML.writeValue(copy.resolve("values.yaml").toFile(), values);

      LintResult result = new Helm(copy).lint().strict().call();

      assertThat(result.isFailed()).as("lint: %s", result.getMessages()).isFalse();
      assertThat(result.getMessages()).noneMatch(m -> m.startsWith("[ERROR]") || m.startsWith("[WARNING]"));
    }

    @Test
    void ofTheChartAloneFailsOnlyOnTheMissingBootstrapServers() {
      LintResult result = new Helm(CHART).lint().strict().call();

      assertThat(result.isFailed()).isTrue();
      assertThat(String.join("\n", result.getMessages())).contains("missing property 'bootstrapServers'");
      assertThat(result.getMessages())
          .filteredOn(m -> m.startsWith("[ERROR]") || m.startsWith("[WARNING]"))
          .allMatch(m -> m.contains("bootstrapServers") || m.contains("don't meet the specifications"));
    }
  }

  // ---------------------------------------------------------------- default values

  @Nested
  class DefaultValues {
    final Rendered out = render(null);
    final JsonNode spec = out.flinkDeployment().path("spec");

    @Test
    void isAnApplicationModeFlinkDeploymentWithSavepointUpgrades() {
      JsonNode fd = out.flinkDeployment();
      assertThat(fd.path("apiVersion").asText()).isEqualTo("flink.apache.org/v1beta1");
      assertThat(fd.path("metadata").path("name").asText()).isEqualTo("modelwatch");
      assertThat(spec.path("flinkVersion").asText()).isEqualTo("v2_2");
      assertThat(spec.path("mode").asText()).isEqualTo("native");
      assertThat(spec.path("image").asText()).isEqualTo("modelwatch:0.1.0");
      assertThat(spec.path("serviceAccount").asText()).isEqualTo("flink");
      JsonNode job = spec.path("job");
      assertThat(job.path("upgradeMode").asText()).isEqualTo("savepoint");
      assertThat(job.path("state").asText()).isEqualTo("running");
      assertThat(job.path("entryClass").asText()).isEqualTo("io.modelwatch.jobs.MonitoringJob");
      assertThat(job.path("jarURI").asText()).isEqualTo("local:///opt/flink/usrlib/modelwatch-job.jar");
      assertThat(job.path("parallelism").asInt()).isEqualTo(2);
      assertThat(job.has("initialSavepointPath")).isFalse();
      assertThat(job.has("savepointRedeployNonce")).isFalse();
      assertThat(spec.path("taskManager").has("replicas")).as("TaskManagers follow the parallelism").isFalse();
    }

    @Test
    void argsCarryEveryValue() {
      assertThat(args(spec))
          .containsExactlyEntriesOf(ordered(
              "--bootstrap-servers", BOOTSTRAP,
              "--group-id", "modelwatch",
              "--job-name", "modelwatch",
              "--thresholds", "/opt/modelwatch/thresholds/thresholds.yaml",
              "--predictions-topic", "predictions",
              "--labels-topic", "labels",
              "--control-topic", "monitor-control",
              "--triggers-topic", "retrain-triggers",
              "--health-topic", "model-health",
              "--dead-letters-topic", "dead-letters"));
    }

    @Test
    void flinkConfigurationHasExactlyOnceRocksDbCheckpointsHaAndMetrics() {
      assertThat(flinkConf(spec))
          .containsEntry("state.backend.type", "rocksdb")
          .containsEntry("execution.checkpointing.incremental", "true")
          .containsEntry("execution.checkpointing.mode", "EXACTLY_ONCE")
          .containsEntry("execution.checkpointing.interval", "1m")
          .containsEntry("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION")
          .containsEntry("execution.checkpointing.dir", "file:///flink-data/checkpoints")
          .containsEntry("execution.checkpointing.savepoint-dir", "file:///flink-data/savepoints")
          .containsEntry("high-availability.type", "kubernetes")
          .containsEntry("high-availability.storageDir", "file:///flink-data/ha")
          .containsEntry("pipeline.max-parallelism", "128")
          .containsEntry("taskmanager.numberOfTaskSlots", "2")
          .containsEntry("restart-strategy.type", "exponential-delay")
          .containsEntry("metrics.reporter.prom.factory.class",
              "org.apache.flink.metrics.prometheus.PrometheusReporterFactory")
          .containsEntry("metrics.reporter.prom.port", "9249");
      // Map<String, String> in the operator's CRD: every value a string.
      spec.path("flinkConfiguration").forEach(v -> assertThat(v.isTextual()).as("%s", v).isTrue());
    }

    @Test
    void keepsStateOnAReadWriteManyClaimMountedInEveryPod() {
      JsonNode pvc = out.one("PersistentVolumeClaim");
      assertThat(pvc.path("metadata").path("name").asText()).isEqualTo("modelwatch-data");
      assertThat(pvc.path("metadata").path("annotations").path("helm.sh/resource-policy").asText()).isEqualTo("keep");
      assertThat(pvc.path("spec").path("accessModes")).extracting(JsonNode::asText).containsExactly("ReadWriteMany");
      assertThat(volume(spec, "flink-data").path("persistentVolumeClaim").path("claimName").asText())
          .isEqualTo("modelwatch-data");
      assertThat(mount(spec, "flink-data").path("mountPath").asText()).isEqualTo("/flink-data");
    }

    @Test
    void runsAsTheNonRootFlinkUser() {
      JsonNode pod = spec.path("podTemplate").path("spec").path("securityContext");
      assertThat(pod.path("runAsNonRoot").asBoolean()).isTrue();
      assertThat(pod.path("runAsUser").asInt()).isEqualTo(9999);
      assertThat(pod.path("fsGroup").asInt()).isEqualTo(9999);
      JsonNode container = mainContainer(spec).path("securityContext");
      assertThat(container.path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
      assertThat(container.path("capabilities").path("drop")).extracting(JsonNode::asText).contains("ALL");
    }

    @Test
    void rendersNothingOptional() {
      assertThat(out.kinds()).containsExactlyInAnyOrder("ConfigMap", "PersistentVolumeClaim", "FlinkDeployment");
      assertThat(args(spec)).doesNotContainKey("--kafka-properties");
      assertThat(mainContainer(spec).has("envFrom")).isFalse();
      assertThat(volumeNames(spec)).containsExactly("thresholds", "flink-data", "rocksdb");
      assertThat(spec.has("restartNonce")).isFalse();
    }

    @Test
    void savesOnDeletionEveryHourAndInRocksDbsNativeFormat() {
      // Option names of the operator targeted (KubernetesOperatorConfigOptions, release-1.14.0):
      // job.savepoint-on-deletion, periodic.savepoint.interval, savepoint.dispose-on-delete,
      // savepoint.format.type; all "dynamic", i.e. read from the FlinkDeployment's own
      // flinkConfiguration.
      assertThat(flinkConf(spec))
          .containsEntry("kubernetes.operator.job.savepoint-on-deletion", "true")
          .containsEntry("kubernetes.operator.periodic.savepoint.interval", "1h")
          .containsEntry("kubernetes.operator.savepoint.dispose-on-delete", "true")
          .containsEntry("kubernetes.operator.savepoint.format.type", "NATIVE")
          .containsEntry("state.backend.type", "rocksdb");
    }

    @Test
    void rocksDbWorksInASizeLimitedEmptyDirAndTheTaskManagersRequestTheDisk() {
      String localDir = flinkConf(spec).get("state.backend.rocksdb.localdir");
      assertThat(localDir).isEqualTo("/opt/flink/rocksdb");
      assertThat(mount(spec, "rocksdb").path("mountPath").asText()).isEqualTo(localDir);
      assertThat(volume(spec, "rocksdb").at("/emptyDir/sizeLimit").asText()).isEqualTo("10Gi");
      // The operator turns resource.ephemeralStorage into the ephemeral-storage request and
      // limit of the TaskManager container: room for the emptyDir plus logs and caches.
      assertThat(spec.at("/taskManager/resource/ephemeralStorage").asText()).isEqualTo("12Gi");
      assertThat(spec.at("/jobManager/resource").has("ephemeralStorage")).isFalse();
    }
  }

  // ---------------------------------------------------------------- production values

  @Nested
  class ProductionValues {
    final Rendered out = render(PRODUCTION);
    final JsonNode spec = out.flinkDeployment().path("spec");

    @Test
    void argsCarryEveryValueIncludingTheKafkaSecuritySettings() {
      assertThat(args(spec))
          .containsExactlyEntriesOf(ordered(
              "--bootstrap-servers", "prod-kafka-bootstrap.kafka:9093,prod-kafka-1.kafka:9093",
              "--group-id", "modelwatch-prod",
              "--job-name", "modelwatch-prod",
              "--thresholds", "/opt/modelwatch/thresholds/thresholds.yaml",
              "--predictions-topic", "ml.predictions",
              "--labels-topic", "ml.labels",
              "--control-topic", "ml.monitor-control",
              "--triggers-topic", "ml.retrain-triggers",
              "--health-topic", "ml.model-health",
              "--dead-letters-topic", "ml.dead-letters",
              "--kafka-properties", "/opt/modelwatch/kafka/kafka.properties"));
    }

    @Test
    void mountsTheExistingKafkaSecretAsThePropertiesFileTheArgsName() {
      JsonNode secret = volume(spec, "kafka-client").path("secret");
      assertThat(secret.path("secretName").asText()).isEqualTo("modelwatch-kafka-sasl");
      assertThat(secret.path("items").get(0).path("key").asText()).isEqualTo("client.properties");
      String file = mount(spec, "kafka-client").path("mountPath").asText() + "/"
          + secret.path("items").get(0).path("path").asText();
      assertThat(args(spec)).containsEntry("--kafka-properties", file);
      assertThat(out.all("Secret")).as("an existing Secret is not re-created").isEmpty();
    }

    @Test
    void mountsTheStrimziClusterCaWhereThePemTruststoreIsExpected() {
      JsonNode secret = volume(spec, "kafka-truststore").path("secret");
      assertThat(secret.path("secretName").asText()).isEqualTo("prod-cluster-ca-cert");
      assertThat(secret.path("items")).hasSize(1);
      assertThat(secret.at("/items/0/key").asText()).isEqualTo("ca.crt");
      JsonNode mount = mount(spec, "kafka-truststore");
      assertThat(mount.path("readOnly").asBoolean()).isTrue();
      // What values-production.yaml says client.properties names as ssl.truststore.location.
      assertThat(mountedFiles(spec)).contains("/opt/modelwatch/tls/truststore/ca.crt");
      assertThat(volumeNames(spec)).doesNotContain("kafka-keystore");
    }

    @Test
    void keepsStateInS3() {
      assertThat(flinkConf(spec))
          .containsEntry("execution.checkpointing.dir", "s3://acme-ml-flink/modelwatch/checkpoints")
          .containsEntry("execution.checkpointing.savepoint-dir", "s3://acme-ml-flink/modelwatch/savepoints")
          .containsEntry("high-availability.storageDir", "s3://acme-ml-flink/modelwatch/ha")
          .containsEntry("execution.checkpointing.interval", "30s")
          .containsEntry("kubernetes.operator.periodic.savepoint.interval", "6h")
          .containsEntry("state.backend.rocksdb.memory.managed", "true")
          .containsEntry("pipeline.max-parallelism", "128");
      assertThat(out.all("PersistentVolumeClaim")).isEmpty();
      assertThat(volumeNames(spec)).doesNotContain("flink-data");
    }

    @Test
    void runsThreeTaskManagersOfTwoSlots() {
      assertThat(spec.path("taskManager").path("replicas").asInt()).isEqualTo(3);
      assertThat(flinkConf(spec)).containsEntry("taskmanager.numberOfTaskSlots", "2");
      assertThat(spec.path("job").path("parallelism").asInt()).isEqualTo(6);
      assertThat(spec.path("taskManager").path("resource").path("memory").asText()).isEqualTo("8g");
    }

    @Test
    void createsTheServiceAccountWithTheRightsOfNativeMode() {
      assertThat(spec.path("serviceAccount").asText()).isEqualTo("modelwatch-flink");
      JsonNode account = out.one("ServiceAccount");
      assertThat(account.path("metadata").path("annotations").path("eks.amazonaws.com/role-arn").asText())
          .startsWith("arn:aws:iam::");
      assertThat(out.one("Role").path("rules").toString()).contains("pods", "configmaps", "deployments");
      assertThat(out.one("RoleBinding").path("subjects").get(0).path("name").asText()).isEqualTo("modelwatch-flink");
    }

    @Test
    void podMonitorScrapesTheFlinkPodsOnTheirMetricsPort() {
      JsonNode monitor = out.one("PodMonitor");
      assertThat(monitor.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
      assertThat(monitor.path("metadata").path("labels").path("release").asText()).isEqualTo("kube-prometheus-stack");
      JsonNode podLabels = spec.path("podTemplate").path("metadata").path("labels");
      monitor.path("spec").path("selector").path("matchLabels").properties().forEach(
          e -> assertThat(podLabels.path(e.getKey()).asText()).isEqualTo(e.getValue().asText()));
      String port = monitor.path("spec").path("podMetricsEndpoints").get(0).path("port").asText();
      JsonNode containerPort = find(mainContainer(spec).path("ports"), "name", port);
      assertThat(containerPort.path("containerPort").asText())
          .isEqualTo(flinkConf(spec).get("metrics.reporter.prom.port"));
    }

    @Test
    void kafkaTopicsCoverTheSixTopicsWithTheControlTopicCompacted() {
      List<JsonNode> topics = out.all("KafkaTopic");
      assertThat(topics).extracting(t -> t.path("spec").path("topicName").asText())
          .containsExactlyInAnyOrder("ml.predictions", "ml.labels", "ml.monitor-control",
              "ml.retrain-triggers", "ml.model-health", "ml.dead-letters");
      for (JsonNode topic : topics) {
        assertThat(topic.path("apiVersion").asText()).isEqualTo("kafka.strimzi.io/v1beta2");
        assertThat(topic.path("metadata").path("namespace").asText()).isEqualTo("kafka");
        assertThat(topic.path("metadata").path("labels").path("strimzi.io/cluster").asText()).isEqualTo("prod");
        assertThat(topic.path("spec").path("config").path("min.insync.replicas").asInt()).isEqualTo(2);
      }
      JsonNode control = topic(topics, "ml.monitor-control");
      assertThat(control.path("spec").path("config").path("cleanup.policy").asText()).isEqualTo("compact");
      assertThat(topics).filteredOn(t -> t != control)
          .allMatch(t -> !t.path("spec").path("config").has("cleanup.policy"));
      JsonNode predictions = topic(topics, "ml.predictions");
      assertThat(predictions.path("spec").path("partitions").asInt()).isEqualTo(24);
      assertThat(predictions.path("spec").path("config").path("retention.ms").asLong()).isEqualTo(604800000L);
      assertThat(topic(topics, "ml.dead-letters").path("spec").path("partitions").asInt()).isEqualTo(3);
      assertThat(topic(topics, "ml.labels").path("spec").path("partitions").asInt()).isEqualTo(12);
    }

    @Test
    void shipsTheGrafanaDashboardForTheSidecar() throws IOException {
      JsonNode configMap = out.all("ConfigMap").stream()
          .filter(c -> c.path("metadata").path("labels").has("grafana_dashboard")).findFirst().orElseThrow();
      assertThat(configMap.path("metadata").path("labels").path("grafana_dashboard").asText()).isEqualTo("1");
      JsonNode shipped = JSON.readTree(configMap.path("data").path("modelwatch.json").asText());
      assertThat(shipped).isEqualTo(JSON.readTree(CHART.resolve("dashboards/modelwatch.json").toFile()));
    }
  }

  // ---------------------------------------------------------------- the dashboard

  @Test
  void dashboardChartsTheJobsCountersCheckpointsAndLag() throws IOException {
    JsonNode dashboard = JSON.readTree(CHART.resolve("dashboards/modelwatch.json").toFile());
    List<String> exprs = new ArrayList<>();
    dashboard.path("panels").forEach(p -> p.path("targets").forEach(t -> exprs.add(t.path("expr").asText())));
    String all = String.join("\n", exprs);
    for (String counter : List.of("eventsIn", "deadLetters", "windowsEvaluated", "driftedWindows", "triggers")) {
      assertThat(all).contains("flink_taskmanager_job_task_operator_modelwatch_" + counter + "{");
    }
    // Per model version (ModelMetrics; PrometheusMetricsITCase checks these names against a scrape).
    for (String gauge : List.of("maxPsi", "predictionPsi", "eventsPerSecond", "driftedWindows", "drifting", "triggers")) {
      assertThat(all).contains("flink_taskmanager_job_task_operator_modelwatch_model_id_model_version_" + gauge + "{");
    }
    assertThat(all).contains(
        "flink_jobmanager_job_lastCheckpointDuration{",
        "flink_jobmanager_job_lastCheckpointSize{",
        "flink_taskmanager_job_task_operator_KafkaSourceReader_KafkaConsumer_records_lag_max{",
        "flink_taskmanager_job_task_numRecordsInPerSecond{",
        "model_id");
    // Every panel queries the data source chosen in the dashboard, not a fixed one.
    dashboard.path("panels").forEach(p -> {
      if (p.has("targets")) {
        assertThat(p.at("/datasource/uid").asText()).as(p.path("title").asText()).isEqualTo("${datasource}");
      }
    });
  }

  // ---------------------------------------------------------------- the image and the job

  @Test
  void jarUriEntryClassAndFlinkVersionMatchTheImageAndTheJobJar() throws Exception {
    Dockerfile docker = Dockerfile.parse(REPO.resolve("deploy/Dockerfile"));
    Document jobsPom = xml(REPO.resolve("jobs/pom.xml"));
    Document rootPom = xml(REPO.resolve("pom.xml"));
    String finalName = xpath(jobsPom, "//*[local-name()='finalName']");
    String mainClass = xpath(jobsPom, "//*[local-name()='mainClass']");
    String flinkVersion = xpath(rootPom, "/*[local-name()='project']/*[local-name()='properties']/*[local-name()='flink.version']");

    JsonNode spec = render(PRODUCTION).flinkDeployment().path("spec");

    // The jar the jobs module builds is what the image copies, to where the chart points.
    assertThat(docker.copySource()).isEqualTo("jobs/target/" + finalName + ".jar");
    assertThat(spec.path("job").path("jarURI").asText()).isEqualTo("local://" + docker.copyDestination());
    assertThat(spec.path("job").path("entryClass").asText()).isEqualTo(mainClass);
    // One Flink version everywhere: the build, the base image and the operator's flinkVersion.
    assertThat(docker.from()).isEqualTo("flink:" + flinkVersion + "-java17");
    String[] v = flinkVersion.split("\\.");
    assertThat(spec.path("flinkVersion").asText()).isEqualTo("v" + v[0] + "_" + v[1]);
    // The image's user is the one the pods run as.
    assertThat(docker.user()).isEqualTo("9999:9999");
    assertThat(spec.path("podTemplate").path("spec").path("securityContext").path("runAsUser").asText())
        .isEqualTo(docker.user().split(":")[0]);
    // The plugins the chart's configuration relies on are in the image.
    assertThat(docker.text()).contains("plugins/s3-fs-presto", "plugins/metrics-prometheus");
    assertThat(flinkConf(spec).get("execution.checkpointing.dir")).startsWith("s3://");
  }

  // ---------------------------------------------------------------- thresholds

  @Test
  void thresholdsConfigMapHoldsValuesThresholds() throws IOException {
    JsonNode defaults = YAML.readTree(CHART.resolve("values.yaml").toFile()).path("thresholds");
    assertThat(thresholdsFile(render(null))).isEqualTo(defaults);

    JsonNode production = YAML.readTree(PRODUCTION.toFile()).path("thresholds");
    JsonNode expected = merge(defaults.deepCopy(), production);
    JsonNode rendered = thresholdsFile(render(PRODUCTION));
    assertThat(rendered).isEqualTo(expected);
    assertThat(rendered.at("/models/churn/drift/psi/warning").asDouble()).isEqualTo(0.15);
    assertThat(rendered.at("/defaults/drift/psi/warning").asDouble()).isEqualTo(0.1);
    assertThat(rendered.at("/defaults/window/minEvents").asInt()).isEqualTo(2000);
  }

  @Test
  void largeNumbersStayIntegersInTheThresholdsFile() throws IOException {
    Rendered out = render(null, values("thresholds: {defaults: {reference: {events: 1000000}}}"));
    JsonNode events = thresholdsFile(out).at("/defaults/reference/events");
    assertThat(events.isIntegralNumber()).as("%s", events).isTrue();
    assertThat(events.asLong()).isEqualTo(1_000_000L);
  }

  @Test
  void theThresholdsConfigMapIsNamedAfterTheHashOfItsContentImmutableAndKept() throws IOException {
    JsonNode configMap = thresholdsConfigMap(render(PRODUCTION));
    String name = configMap.at("/metadata/name").asText();
    Matcher matcher = THRESHOLDS_NAME.matcher(name);
    assertThat(matcher.matches()).as(name).isTrue();
    // The file as the template hashes it: the ConfigMap's text without the newline YAML's
    // block scalar adds.
    String file = configMap.at("/data/thresholds.yaml").asText();
    String sha256 = sha256(file.endsWith("\n") ? file.substring(0, file.length() - 1) : file);
    assertThat(matcher.group(1)).isEqualTo(sha256.substring(0, 10));
    JsonNode annotations = configMap.at("/metadata/annotations");
    assertThat(annotations.path("modelwatch.io/thresholds-sha256").asText()).isEqualTo(sha256);
    // Nobody edits the file under a running job; Helm and Argo CD leave old ones for rollbacks.
    assertThat(configMap.path("immutable").asBoolean()).isTrue();
    assertThat(annotations.path("helm.sh/resource-policy").asText()).isEqualTo("keep");
    assertThat(annotations.path("argocd.argoproj.io/sync-options").asText()).isEqualTo("Prune=false");
  }

  @Test
  void aThresholdChangeIsANewConfigMapNameAndTheOnlyChangeOfTheFlinkDeployment() throws IOException {
    Path change = values("thresholds: {models: {churn: {drift: {psi: {warning: 0.2}}}}}");
    Rendered before = render(PRODUCTION);
    Rendered after = render(PRODUCTION, change);

    String nameBefore = thresholdsConfigMap(before).at("/metadata/name").asText();
    String nameAfter = thresholdsConfigMap(after).at("/metadata/name").asText();
    assertThat(nameAfter).matches(THRESHOLDS_NAME).isNotEqualTo(nameBefore);
    assertThat(thresholdsFile(after).at("/models/churn/drift/psi/warning").asDouble()).isEqualTo(0.2);

    // The pods mount the ConfigMap by that name: the spec changes, so the operator upgrades the
    // job through a savepoint (and a rollback to the old spec mounts the old, kept ConfigMap).
    ObjectNode fdBefore = (ObjectNode) before.flinkDeployment();
    ObjectNode fdAfter = (ObjectNode) after.flinkDeployment();
    assertThat(fdAfter).isNotEqualTo(fdBefore);
    assertThat(removeThresholdsConfigMapName(fdBefore)).isEqualTo(nameBefore);
    assertThat(removeThresholdsConfigMapName(fdAfter)).isEqualTo(nameAfter);
    assertThat(fdAfter).as("the FlinkDeployment apart from the thresholds ConfigMap's name").isEqualTo(fdBefore);
  }

  @Test
  void theSameThresholdsRenderByteIdenticalWhateverTheOrderOfTheKeys() throws IOException {
    String once = render(PRODUCTION).text();
    String twice = render(PRODUCTION).text();
    assertThat(twice).isEqualTo(once);

    // values-production.yaml's overrides again, in another order: the same file, the same name,
    // so a re-render by a GitOps tool or a `helm rollback` finds the ConfigMap it had.
    Path reordered = values("""
        thresholds:
          models:
            fraud: {escalation: {within: 5m, windows: 2}}
            churn: {drift: {psi: {warning: 0.15}}}
          defaults: {window: {minEvents: 2000}}
        """);
    assertThat(thresholdsConfigMap(render(PRODUCTION, reordered)).at("/metadata/name"))
        .isEqualTo(thresholdsConfigMap(render(PRODUCTION)).at("/metadata/name"));
  }

  @Test
  void aChangeElsewhereLeavesTheThresholdsConfigMapAlone() throws IOException {
    ObjectNode before = (ObjectNode) render(PRODUCTION).flinkDeployment();
    ObjectNode after = (ObjectNode) render(PRODUCTION, values("job: {parallelism: 8}\ntaskManager: {replicas: 4}"))
        .flinkDeployment();
    assertThat(removeThresholdsConfigMapName(after)).isEqualTo(removeThresholdsConfigMapName(before));
    assertThat(after.at("/spec/job/parallelism").asInt()).isEqualTo(8);
  }

  // ---------------------------------------------------------------- restarts, volumes, TLS

  @Test
  void aRestartNonceIsTheOnlyChangeOfTheSpec() throws IOException {
    ObjectNode before = (ObjectNode) render(PRODUCTION).flinkDeployment();
    ObjectNode after = (ObjectNode) render(PRODUCTION, values("restartNonce: 1764158400")).flinkDeployment();
    assertThat(before.path("spec").has("restartNonce")).isFalse();
    JsonNode nonce = ((ObjectNode) after.path("spec")).remove("restartNonce");
    assertThat(nonce.isIntegralNumber()).as("%s", nonce).isTrue();
    assertThat(nonce.asLong()).isEqualTo(1_764_158_400L);
    assertThat(after).isEqualTo(before);
  }

  @Test
  void extraVolumesAndMountsComeAfterTheChartsOwn() throws IOException {
    JsonNode spec = render(PRODUCTION, values("""
        extraVolumes:
          - name: certs
            secret: {secretName: my-certs}
        extraVolumeMounts:
          - name: certs
            mountPath: /opt/certs
            readOnly: true
        """)).flinkDeployment().path("spec");
    assertThat(volumeNames(spec)).containsExactly("thresholds", "kafka-client", "kafka-truststore", "rocksdb", "certs");
    assertThat(volume(spec, "certs").at("/secret/secretName").asText()).isEqualTo("my-certs");
    assertThat(mount(spec, "certs").path("mountPath").asText()).isEqualTo("/opt/certs");
    assertThat(mainContainer(spec).path("volumeMounts")).extracting(m -> m.path("name").asText())
        .containsExactly("thresholds", "kafka-client", "kafka-truststore", "rocksdb", "certs");
  }

  @Test
  void aKeystoreSecretIsMountedBesideTheTruststore() throws IOException {
    JsonNode spec = render(PRODUCTION, values("""
        kafka:
          tls:
            keystoreSecret: modelwatch
            keystoreKeys: [user.p12]
        """)).flinkDeployment().path("spec");
    assertThat(volume(spec, "kafka-keystore").at("/secret/secretName").asText()).isEqualTo("modelwatch");
    assertThat(mount(spec, "kafka-keystore").path("readOnly").asBoolean()).isTrue();
    assertThat(mountedFiles(spec)).contains("/opt/modelwatch/tls/keystore/user.p12", "/opt/modelwatch/tls/truststore/ca.crt");
  }

  @Test
  void theTlsAndSaslExampleMountsEveryFileItsKafkaPropertiesName() throws IOException {
    Rendered out = render(TLS_SASL_EXAMPLE);
    java.util.Properties properties = new java.util.Properties();
    properties.load(new java.io.StringReader(out.one("Secret").at("/stringData/kafka.properties").asText()));
    assertThat(properties)
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
        .containsEntry("ssl.truststore.type", "PEM");
    JsonNode spec = out.flinkDeployment().path("spec");
    List<String> locations = properties.stringPropertyNames().stream().filter(k -> k.endsWith(".location"))
        .map(properties::getProperty).toList();
    assertThat(locations).isNotEmpty();
    assertThat(mountedFiles(spec)).containsAll(locations);
    assertThat(args(spec)).containsEntry("--kafka-properties", "/opt/modelwatch/kafka/kafka.properties");
  }

  @Test
  void rocksDbCanUseAGenericEphemeralVolumeOfAStorageClass() throws IOException {
    JsonNode spec = render(null, values("""
        rocksdb:
          localDir:
            volumeClaimTemplate:
              spec:
                accessModes: [ReadWriteOnce]
                storageClassName: fast-ssd
                resources: {requests: {storage: 50Gi}}
        """)).flinkDeployment().path("spec");
    JsonNode rocksdb = volume(spec, "rocksdb");
    assertThat(rocksdb.has("emptyDir")).isFalse();
    assertThat(rocksdb.at("/ephemeral/volumeClaimTemplate/spec/storageClassName").asText()).isEqualTo("fast-ssd");
    assertThat(rocksdb.at("/ephemeral/volumeClaimTemplate/spec/resources/requests/storage").asText()).isEqualTo("50Gi");
  }

  @Test
  void anEmptyEphemeralStorageLeavesTheTaskManagersWithoutRequest() throws IOException {
    JsonNode spec = render(null, values("taskManager: {resource: {memory: 4096m, cpu: 2, ephemeralStorage: ''}}"))
        .flinkDeployment().path("spec");
    assertThat(spec.at("/taskManager/resource").has("ephemeralStorage")).isFalse();
    assertThat(volume(spec, "rocksdb").at("/emptyDir/sizeLimit").asText()).isEqualTo("10Gi");
  }

  // ---------------------------------------------------------------- alerts

  @Nested
  class Alerts {
    final JsonNode rule = render(PRODUCTION).one("PrometheusRule");
    final Map<String, JsonNode> alerts = alerts(rule);

    @Test
    void areOffByDefault() {
      assertThat(render(null).all("PrometheusRule")).isEmpty();
    }

    @Test
    void coverTheJobCheckpointsTransactionsRestartsAndLag() {
      assertThat(rule.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
      assertThat(rule.at("/metadata/name").asText()).isEqualTo("modelwatch");
      assertThat(rule.at("/metadata/labels/release").asText()).isEqualTo("kube-prometheus-stack");
      assertThat(alerts.keySet()).containsExactlyInAnyOrder("ModelwatchJobNotRunning", "ModelwatchRestarting",
          "ModelwatchCheckpointsStalled", "ModelwatchTransactionsNearTimeout", "ModelwatchConsumerLag");
      for (Map.Entry<String, JsonNode> alert : alerts.entrySet()) {
        JsonNode r = alert.getValue();
        assertThat(r.path("labels").path("severity").asText()).as(alert.getKey()).isIn("warning", "critical");
        assertThat(r.at("/annotations/summary").asText()).as(alert.getKey()).isNotBlank();
        assertThat(r.at("/annotations/description").asText()).as(alert.getKey()).isNotBlank();
        if (r.has("for")) {
          assertThat(r.path("for").asText()).as(alert.getKey()).matches("[0-9]+(s|m|h)");
        }
        String expr = r.path("expr").asText();
        for (String[] pair : new String[][] {{"(", ")"}, {"{", "}"}, {"[", "]"}}) {
          assertThat(count(expr, pair[0])).as("%s: %s balanced in %s", alert.getKey(), pair[0], expr)
              .isEqualTo(count(expr, pair[1]));
        }
      }
    }

    @Test
    void queryMetricsFlinkExportsUnderTheseNames() throws IOException {
      Set<String> jobManagerMetrics = Files.readAllLines(JOBMANAGER_METRICS).stream()
          .filter(l -> !l.isBlank() && !l.startsWith("#")).collect(Collectors.toSet());
      String dashboard = Files.readString(CHART.resolve("dashboards/modelwatch.json"));
      Set<String> used = new TreeSet<>();
      alerts.values().forEach(r -> {
        Matcher m = Pattern.compile("flink_\\w+").matcher(r.path("expr").asText());
        while (m.find()) {
          used.add(m.group());
        }
      });
      assertThat(used).contains("flink_jobmanager_job_lastCheckpointCompletedTimestamp",
          "flink_jobmanager_job_numRestarts", "flink_jobmanager_job_uptime",
          "flink_taskmanager_job_task_operator_KafkaSourceReader_KafkaConsumer_records_lag_max");
      for (String metric : used) {
        if (metric.startsWith("flink_jobmanager_")) {
          assertThat(jobManagerMetrics).as("a JobManager metric Flink 2.2 exports").contains(metric);
        } else {
          // The Kafka source's metrics: the same names the dashboard charts.
          assertThat(dashboard).as("the dashboard queries %s too", metric).contains(metric + "{");
        }
      }
    }

    @Test
    void selectTheJobByItsNameAsFlinksReporterWritesIt() {
      // Flink's Prometheus reporter replaces '-' (and every other character outside
      // [a-zA-Z0-9:_]) in label values: job modelwatch-prod is job_name="modelwatch_prod".
      for (Map.Entry<String, JsonNode> alert : alerts.entrySet()) {
        String expr = alert.getValue().path("expr").asText();
        Matcher selector = Pattern.compile("flink_\\w+\\{([^}]*)}").matcher(expr);
        int selectors = 0;
        while (selector.find()) {
          selectors++;
          assertThat(selector.group(1)).as(alert.getKey()).contains("job_name=\"modelwatch_prod\"", "namespace=\"ml\"");
        }
        assertThat(selectors).as(alert.getKey()).isPositive();
      }
    }

    @Test
    void takeTheirThresholdsFromValues() throws IOException {
      Map<String, JsonNode> tuned = alerts(render(PRODUCTION, values("""
          metrics:
            prometheusRule:
              checkpointAgeMinutes: 3
              transactionAgeMinutes: 12
              restarts: 5
              consumerLagRecords: 2500000
              notRunningMinutes: 7
          """)).one("PrometheusRule"));
      assertThat(tuned.get("ModelwatchCheckpointsStalled").path("expr").asText()).contains("> 180000");
      assertThat(tuned.get("ModelwatchTransactionsNearTimeout").path("expr").asText()).contains("> 720000");
      assertThat(tuned.get("ModelwatchRestarting").path("expr").asText()).endsWith(">= 5");
      assertThat(tuned.get("ModelwatchConsumerLag").path("expr").asText()).endsWith("> 2500000");
      assertThat(tuned.get("ModelwatchJobNotRunning").path("for").asText()).isEqualTo("7m");
    }

    @Test
    void aSuspendedJobDoesNotAlertForNotRunning() throws IOException {
      Map<String, JsonNode> suspended = alerts(render(PRODUCTION, values("job: {state: suspended}")).one("PrometheusRule"));
      assertThat(suspended).doesNotContainKey("ModelwatchJobNotRunning").containsKey("ModelwatchRestarting");
    }
  }

  // ---------------------------------------------------------------- helm test

  @Nested
  class HelmTest {

    @Test
    void podRunsTheScriptInTheChartsImageAgainstTheJobManagersRestService() throws IOException {
      Rendered out = renderWithHooks(PRODUCTION);
      JsonNode pod = out.one("Pod");
      assertThat(pod.path("apiVersion").asText()).isEqualTo("v1");
      assertThat(pod.at("/metadata/name").asText()).isEqualTo("modelwatch-test-job-running");
      assertThat(pod.at("/metadata/annotations").path(HOOK).asText()).isEqualTo("test");
      assertThat(pod.at("/spec/restartPolicy").asText()).isEqualTo("Never");
      assertThat(pod.at("/spec/securityContext/runAsNonRoot").asBoolean()).isTrue();
      JsonNode container = pod.at("/spec/containers/0");
      assertThat(container.path("image").asText()).isEqualTo(out.flinkDeployment().at("/spec/image").asText());
      Map<String, String> env = new TreeMap<>();
      container.path("env").forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
      assertThat(env).containsEntry("REST_HOST", "modelwatch-rest").containsEntry("REST_PORT", "8081")
          .containsEntry("JOB_NAME", "modelwatch-prod").containsEntry("TIMEOUT_SECONDS", "240");
      assertThat(container.path("command")).extracting(JsonNode::asText)
          .containsExactly("bash", "-c", Files.readString(TEST_SCRIPT));
    }

    @Test
    void isOffWhenDisabled() throws IOException {
      assertThat(renderWithHooks(null, values("tests: {enabled: false}")).all("Pod")).isEmpty();
    }

    @Test
    void scriptPassesWhenTheJobOfThatNameIsRunning() throws Exception {
      try (FakeJobManager jm = new FakeJobManager(overview(
          job("modelwatch-prod-old", "CANCELED"), job("modelwatch-prod", "RUNNING")))) {
        ScriptRun run = runTestScript(jm.port(), "modelwatch-prod");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.stdout()).contains("job modelwatch-prod is RUNNING");
        assertThat(jm.paths()).containsOnly("/jobs/overview");
      }
    }

    @Test
    void scriptFailsNamingTheStateWhenTheJobIsNotRunning() throws Exception {
      // Another job RUNNING and one whose name has ours as a prefix do not count.
      try (FakeJobManager jm = new FakeJobManager(overview(
          job("modelwatch-prod", "RESTARTING"), job("other", "RUNNING"), job("modelwatch-prod-2", "RUNNING")))) {
        ScriptRun run = runTestScript(jm.port(), "modelwatch-prod");
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
        assertThat(run.stderr()).contains("job modelwatch-prod is RESTARTING");
      }
    }

    @Test
    void scriptFailsWhenNoJobHasThatName() throws Exception {
      try (FakeJobManager jm = new FakeJobManager(overview(job("other", "RUNNING")))) {
        ScriptRun run = runTestScript(jm.port(), "modelwatch-prod");
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
        assertThat(run.stderr()).contains("no job named modelwatch-prod");
      }
    }

    @Test
    void scriptFailsWhenNothingAnswers() throws Exception {
      int port;
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = socket.getLocalPort();
      }
      ScriptRun run = runTestScript(port, "modelwatch-prod");
      assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
      assertThat(run.stderr()).contains("no answer from 127.0.0.1:" + port);
    }
  }

  // ---------------------------------------------------------------- the operator's CRD schema

  @Nested
  class OperatorCrd {

    @Test
    void everyRenderedFlinkDeploymentIsValidForTheTargetedOperator() throws IOException {
      Map<String, Rendered> renders = new LinkedHashMap<>();
      renders.put("defaults", render(null));
      renders.put("values-production.yaml", render(PRODUCTION));
      renders.put("examples/values-tls-sasl.yaml", render(TLS_SASL_EXAMPLE));
      renders.put("every optional field", render(PRODUCTION, values("""
          restartNonce: 1764158400
          job:
            initialSavepointPath: s3://acme-ml-flink/modelwatch/savepoints/savepoint-0a1b2c-1234abcd
            savepointRedeployNonce: 1764158400
            allowNonRestoredState: true
            upgradeMode: last-state
          kafka:
            tls: {keystoreSecret: modelwatch, keystoreKeys: [user.p12]}
          storage: {s3: {credentialsSecret: s3-keys, endpoint: 'http://minio:9000', pathStyleAccess: true}}
          rocksdb:
            localDir:
              volumeClaimTemplate:
                spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 50Gi}}}
          extraVolumes: [{name: certs, secret: {secretName: my-certs}}]
          extraVolumeMounts: [{name: certs, mountPath: /opt/certs, readOnly: true}]
          env: [{name: TZ, value: UTC}]
          podAnnotations: {example.com/owner: ml-platform}
          imagePullSecrets: [{name: regcred}]
          tolerations: [{key: dedicated, operator: Equal, value: streaming, effect: NoSchedule}]
          affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: pool, operator: In, values: [streaming]}]}]}}}
          """)));
      Matcher snippet = Pattern.compile("```yaml\\n# values: (\\S+)\\n(.*?)```", Pattern.DOTALL)
          .matcher(Files.readString(RUNBOOK));
      for (int i = 1; snippet.find(); i++) {
        renders.put("runbook snippet " + i, render(PRODUCTION, values(snippet.group(2))));
      }

      JsonNode crd = crd();
      Schema schema = specSchema(crd);
      Map<String, List<String>> errors = new LinkedHashMap<>();
      for (Map.Entry<String, Rendered> r : renders.entrySet()) {
        JsonNode fd = r.getValue().flinkDeployment();
        assertThat(fd.path("apiVersion").asText()).isEqualTo(
            crd.at("/spec/group").asText() + "/" + find(crd.at("/spec/versions"), "name", "v1beta1").path("name").asText());
        assertThat(fd.path("kind").asText()).isEqualTo(crd.at("/spec/names/kind").asText());
        List<String> found = validate(schema, fd.path("spec"));
        if (!found.isEmpty()) {
          errors.put(r.getKey(), found);
        }
      }
      assertThat(renders).hasSizeGreaterThan(5);
      assertThat(errors).as("schema errors per values file").isEmpty();
    }

    @Test
    void theValidationCatchesAMisspelledFieldAWrongEnumAndAWrongType() throws IOException {
      ObjectNode spec = (ObjectNode) render(PRODUCTION).flinkDeployment().path("spec").deepCopy();
      ((ObjectNode) spec.path("job")).put("upgradeMode", "savepoints");
      ((ObjectNode) spec.at("/taskManager/resource")).put("ephemeralStorag", "12Gi");
      ((ObjectNode) spec.path("job")).put("parallelism", "six");

      List<String> errors = validate(specSchema(crd()), spec);

      assertThat(String.join("\n", errors)).contains("upgradeMode", "ephemeralStorag", "parallelism");
    }

    @Test
    void theCrdIsTheOperatorReleaseTheRunbookInstalls() throws IOException {
      String header = Files.readString(CRD).lines().takeWhile(l -> l.startsWith("#")).collect(Collectors.joining("\n"));
      Matcher version = Pattern.compile("tag release-(\\d+\\.\\d+\\.\\d+)").matcher(header);
      assertThat(version.find()).as(header).isTrue();
      assertThat(header).contains("Apache License, Version 2.0");
      assertThat(Files.readString(RUNBOOK)).contains("OPERATOR_VERSION=" + version.group(1));
      // The chart's flinkVersion is in the CRD's enum.
      JsonNode flinkVersions = crd().at("/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/flinkVersion/enum");
      assertThat(flinkVersions).extracting(JsonNode::asText).contains(render(null).flinkDeployment().at("/spec/flinkVersion").asText());
    }
  }

  // ---------------------------------------------------------------- what the chart refuses

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
      missing bootstrap servers          | job: {parallelism: 2}                                    | missing property 'bootstrapServers'
      negative parallelism               | job: {parallelism: -1}                                   | /job/parallelism
      parallelism above the max          | job: {parallelism: 129}                                  | /job/parallelism
      misspelled top-level key           | thresold: {defaults: {}}                                 | 'thresold'
      misspelled nested key              | kafka: {topic: {predictions: p}}                         | 'topic'
      stateless upgrades                 | job: {upgradeMode: stateless}                            | /job/upgradeMode
      unknown storage                    | storage: {type: gcs}                                     | /storage/type
      a threshold as a string            | thresholds: {defaults: {drift: {psi: {critical: '0.3'}}}} | /thresholds/defaults/drift/psi/critical
      running as root                    | podSecurityContext: {runAsNonRoot: false}                | /podSecurityContext/runAsNonRoot
      bootstrap servers without a port   | kafka: {bootstrapServers: kafka}                         | /kafka/bootstrapServers
      an S3 URI of another scheme        | storage: {type: s3, s3: {uri: 'gs://bucket'}}            | /storage/s3/uri
      an unknown savepoint format        | savepoints: {formatType: native}                         | /savepoints/formatType
      a RocksDB size in other units      | rocksdb: {localDir: {sizeLimit: 10GB}}                   | /rocksdb/localDir/sizeLimit
      a relative TLS mount path          | kafka: {bootstrapServers: 'k:9092', tls: {mountPath: tls}} | /kafka/tls/mountPath
      an alert threshold of zero         | metrics: {prometheusRule: {transactionAgeMinutes: 0}}    | /metrics/prometheusRule/transactionAgeMinutes
      a restart nonce as a string        | restartNonce: 'now'                                      | /restartNonce
      """)
  void schemaRejectsABadValueNamingIt(String what, String yaml, String message) throws IOException {
    boolean withBootstrap = !what.equals("missing bootstrap servers") && !yaml.contains("bootstrapServers");
    assertThatThrownBy(() -> render(null, withBootstrap, values(yaml)))
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContaining(message);
  }

  @Test
  void setTurnsADecimalThresholdIntoAStringWhichTheSchemaRefuses() {
    // Why values.yaml and the runbook say to change thresholds in a values file.
    TemplateCommand template = new Helm(CHART).template().withName("modelwatch")
        .set("kafka.bootstrapServers", BOOTSTRAP)
        .set("thresholds.defaults.drift.psi.critical", "0.3");
    assertThatThrownBy(template::call).hasMessageContaining("/thresholds/defaults/drift/psi/critical");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
      replicas that contradict parallelism | taskManager: {replicas: 3, slots: 2}\\njob: {parallelism: 4}             | job.parallelism (4) must equal taskManager.replicas (3) x taskManager.slots (2) = 6
      overriding the max parallelism       | flinkConfiguration: {pipeline.max-parallelism: '256'}                    | flinkConfiguration.pipeline.max-parallelism is set by the chart
      overriding the checkpoint mode       | flinkConfiguration: {execution.checkpointing.mode: AT_LEAST_ONCE}        | flinkConfiguration.execution.checkpointing.mode is set by the chart
      two sources of Kafka settings        | kafka: {security: {existingSecret: s, properties: {a: b}}}               | set either existingSecret or properties
      S3 without a URI                     | storage: {type: s3}                                                      | storage.s3.uri is required
      redeploy without a savepoint         | job: {savepointRedeployNonce: 1}                                         | job.savepointRedeployNonce redeploys from job.initialSavepointPath
      a cluster id over 45 characters      | fullnameOverride: ''\\nnameOverride: a-name-long-enough-to-break-the-limit-of-flink | at most 45
      overriding the RocksDB directory     | flinkConfiguration: {state.backend.rocksdb.localdir: /tmp}               | flinkConfiguration.state.backend.rocksdb.localdir is set by the chart
      overriding savepoint on deletion     | flinkConfiguration: {kubernetes.operator.job.savepoint-on-deletion: 'false'} | use its own value instead
      a truststore file without its Secret | kafka: {security: {properties: {ssl.truststore.location: /opt/modelwatch/tls/truststore/ca.crt}}} | kafka.security.properties.ssl.truststore.location points into /opt/modelwatch/tls/truststore, but kafka.tls.truststoreSecret is empty
      a keystore file without its Secret   | kafka: {security: {properties: {ssl.keystore.location: /opt/modelwatch/tls/keystore/user.p12}}} | kafka.tls.keystoreSecret is empty
      TLS stores inside the Kafka Secret   | kafka: {tls: {mountPath: /opt/modelwatch/kafka/tls}}                     | kafka.tls.mountPath /opt/modelwatch/kafka/tls is inside /opt/modelwatch/kafka
      """)
  void templatesRejectInconsistentValuesNamingThem(String what, String yaml, String message) throws IOException {
    assertThatThrownBy(() -> render(null, values(yaml.replace("\\n", "\n"))))
        .hasMessageContaining(message);
  }

  @Test
  void maxParallelismIsFixed() throws IOException {
    for (Rendered out : List.of(render(null), render(PRODUCTION),
        render(PRODUCTION, values("job: {parallelism: 128}\ntaskManager: {replicas: 64}")))) {
      assertThat(flinkConf(out.flinkDeployment().path("spec"))).containsEntry("pipeline.max-parallelism", "128");
    }
    assertThat(Files.readString(CHART.resolve("values.yaml"))).doesNotContain("maxParallelism");
  }

  // ---------------------------------------------------------------- savepoints, secrets

  @Test
  void bootstrapsFromASavepointWhenTheNonceIsSet() throws IOException {
    JsonNode job = render(PRODUCTION, values("""
        job:
          initialSavepointPath: s3://acme-ml-flink/modelwatch/savepoints/savepoint-0a1b2c-1234abcd
          savepointRedeployNonce: 1700000000
        """)).flinkDeployment().at("/spec/job");
    assertThat(job.path("initialSavepointPath").asText()).endsWith("savepoint-0a1b2c-1234abcd");
    assertThat(job.path("savepointRedeployNonce").asLong()).isEqualTo(1_700_000_000L);
    assertThat(job.path("upgradeMode").asText()).isEqualTo("savepoint");
  }

  @Test
  void createsTheKafkaSecretFromPropertiesWhenNoneExists() throws IOException {
    Rendered out = render(null, values("""
        kafka:
          security:
            properties:
              security.protocol: SASL_SSL
              sasl.mechanism: SCRAM-SHA-512
              sasl.jaas.config: org.apache.kafka.common.security.scram.ScramLoginModule required username="mw" password="p\\w";
        """));
    JsonNode secret = out.one("Secret");
    String properties = secret.path("stringData").path("kafka.properties").asText();
    java.util.Properties parsed = new java.util.Properties();
    parsed.load(new java.io.StringReader(properties));
    assertThat(parsed)
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
        .containsEntry("sasl.jaas.config",
            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"mw\" password=\"p\\w\";");
    JsonNode spec = out.flinkDeployment().path("spec");
    assertThat(volume(spec, "kafka-client").at("/secret/secretName").asText())
        .isEqualTo(secret.at("/metadata/name").asText());
    assertThat(args(spec)).containsEntry("--kafka-properties", "/opt/modelwatch/kafka/kafka.properties");
    assertThat(spec.at("/podTemplate/metadata/annotations").has("checksum/kafka-client")).isTrue();
  }

  @Test
  void s3CredentialsComeFromASecretAsEnvironment() throws IOException {
    JsonNode spec = render(PRODUCTION, values("storage: {s3: {credentialsSecret: s3-keys, endpoint: 'http://minio:9000', pathStyleAccess: true}}"))
        .flinkDeployment().path("spec");
    assertThat(mainContainer(spec).at("/envFrom/0/secretRef/name").asText()).isEqualTo("s3-keys");
    assertThat(flinkConf(spec)).containsEntry("s3.endpoint", "http://minio:9000").containsEntry("s3.path.style.access", "true");
  }

  // ---------------------------------------------------------------- the runbook

  @Test
  void runbookCommandsUseValuesAndFieldsTheChartHas() throws IOException {
    String runbook = Files.readString(RUNBOOK);
    JsonNode schema = JSON.readTree(CHART.resolve("values.schema.json").toFile());

    // Logical lines: shell continuations joined. Lines about the operator's own chart are not ours.
    List<String> lines = runbook.replace("\\\n", " ").lines().toList();
    Set<String> keys = new LinkedHashSet<>();
    Pattern setFlag = Pattern.compile("--set(?:-string|-json)?[ =][\"']?([A-Za-z][A-Za-z0-9_.\\\\-]*)=");
    for (String line : lines) {
      if (line.contains("operator")) {
        continue;
      }
      Matcher set = setFlag.matcher(line);
      while (set.find()) {
        keys.add(set.group(1));
      }
    }
    assertThat(keys).as("the runbook sets values").isNotEmpty();
    for (String key : keys) {
      assertThat(schemaHas(schema, key)).as("--set %s: a value of the chart", key).isTrue();
    }

    // Every values snippet in the runbook passes the schema with the production values.
    Matcher snippet = Pattern.compile("```yaml\\n# values: (\\S+)\\n(.*?)```", Pattern.DOTALL).matcher(runbook);
    int snippets = 0;
    while (snippet.find()) {
      snippets++;
      render(PRODUCTION, values(snippet.group(2)));
    }
    assertThat(snippets).as("values snippets in the runbook").isPositive();

    // Every jsonpath into the spec exists in the rendered FlinkDeployment (production values
    // with a savepoint bootstrap, so the optional fields are there too).
    JsonNode fd = render(PRODUCTION, values("""
        job: {initialSavepointPath: 's3://b/p/savepoints/savepoint-1', savepointRedeployNonce: 1}
        restartNonce: 1
        """)).flinkDeployment();
    Pattern jsonpath = Pattern.compile("\\{(\\.spec(?:\\.[A-Za-z0-9/_-]+)+)\\}");
    int paths = 0;
    for (String line : lines) {
      if (!line.contains("get flinkdeployment")) {
        continue;
      }
      Matcher path = jsonpath.matcher(line);
      while (path.find()) {
        paths++;
        String pointer = path.group(1).replace("/", "~1").replace('.', '/');
        assertThat(fd.at(pointer).isMissingNode()).as("jsonpath {%s}", path.group(1)).isFalse();
      }
    }
    assertThat(paths).as("jsonpaths into the spec in the runbook").isPositive();
  }

  // ================================================================ helpers

  Rendered render(Path valuesFile, Path... more) {
    return render(valuesFile, true, more);
  }

  Rendered render(Path valuesFile, boolean withBootstrap, Path... more) {
    TemplateCommand template = new Helm(CHART).template().withName("modelwatch").withNamespace("ml");
    if (withBootstrap && valuesFile == null) {
      template.set("kafka.bootstrapServers", BOOTSTRAP);
    }
    if (valuesFile != null) {
      template.withValuesFile(valuesFile);
    }
    for (Path file : more) {
      template.withValuesFile(file);
    }
    return Rendered.parse(template.call());
  }

  Path values(String yaml) throws IOException {
    Path file = Files.createTempFile(tmp, "values-", ".yaml");
    Files.writeString(file, yaml);
    return file;
  }

  Path copyChart() throws IOException {
    Path target = tmp.resolve("modelwatch");
    try (Stream<Path> files = Files.walk(CHART)) {
      for (Path source : files.toList()) {
        Path dest = target.resolve(CHART.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(dest);
        } else {
          Files.copy(source, dest);
        }
      }
    }
    return target;
  }

  /** The manifests as Helm printed them and as parsed documents. */
  record Rendered(String text, List<JsonNode> docs) {
    static Rendered parse(String yaml) {
      try {
        List<JsonNode> docs = new ArrayList<>();
        Iterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml);
        it.forEachRemaining(d -> {
          if (d != null && d.isObject()) {
            docs.add(d);
          }
        });
        return new Rendered(yaml, docs);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    List<JsonNode> all(String kind) {
      return docs.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
    }

    JsonNode one(String kind) {
      List<JsonNode> found = all(kind);
      assertThat(found).as("rendered %s", kind).hasSize(1);
      return found.get(0);
    }

    JsonNode flinkDeployment() {
      return one("FlinkDeployment");
    }

    List<String> kinds() {
      return docs.stream().map(d -> d.path("kind").asText()).toList();
    }
  }

  /** The job's arguments as flag -> value, in order; fails on a flag without a value. */
  static Map<String, String> args(JsonNode spec) {
    List<String> list = new ArrayList<>();
    spec.path("job").path("args").forEach(a -> list.add(a.asText()));
    assertThat(list.size() % 2).as("flags and values pair up: %s", list).isZero();
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < list.size(); i += 2) {
      assertThat(list.get(i)).startsWith("--");
      assertThat(map.put(list.get(i), list.get(i + 1))).as("%s given once", list.get(i)).isNull();
    }
    return map;
  }

  static Map<String, String> ordered(String... pairs) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      map.put(pairs[i], pairs[i + 1]);
    }
    return map;
  }

  static Map<String, String> flinkConf(JsonNode spec) {
    Map<String, String> map = new LinkedHashMap<>();
    spec.path("flinkConfiguration").properties().forEach(e -> map.put(e.getKey(), e.getValue().asText()));
    return map;
  }

  static JsonNode mainContainer(JsonNode spec) {
    return find(spec.path("podTemplate").path("spec").path("containers"), "name", "flink-main-container");
  }

  static JsonNode volume(JsonNode spec, String name) {
    return find(spec.path("podTemplate").path("spec").path("volumes"), "name", name);
  }

  static List<String> volumeNames(JsonNode spec) {
    List<String> names = new ArrayList<>();
    spec.path("podTemplate").path("spec").path("volumes").forEach(v -> names.add(v.path("name").asText()));
    return names;
  }

  static JsonNode mount(JsonNode spec, String name) {
    return find(mainContainer(spec).path("volumeMounts"), "name", name);
  }

  static JsonNode find(JsonNode array, String field, String value) {
    for (JsonNode item : array) {
      if (item.path(field).asText().equals(value)) {
        return item;
      }
    }
    throw new AssertionError("no item with " + field + "=" + value + " in " + array);
  }

  static JsonNode topic(List<JsonNode> topics, String name) {
    return topics.stream().filter(t -> t.path("spec").path("topicName").asText().equals(name))
        .findFirst().orElseThrow();
  }

  static JsonNode thresholdsConfigMap(Rendered out) {
    List<JsonNode> found = out.all("ConfigMap").stream()
        .filter(c -> c.at("/metadata/labels/app.kubernetes.io~1component").asText().equals("thresholds")).toList();
    assertThat(found).as("one thresholds ConfigMap").hasSize(1);
    return found.get(0);
  }

  static JsonNode thresholdsFile(Rendered out) throws IOException {
    return YAML.readTree(thresholdsConfigMap(out).path("data").path("thresholds.yaml").asText());
  }

  /** Removes the thresholds ConfigMap's name from a FlinkDeployment's volumes and returns it. */
  static String removeThresholdsConfigMapName(ObjectNode flinkDeployment) {
    ObjectNode configMap = (ObjectNode) volume(flinkDeployment.path("spec"), "thresholds").path("configMap");
    JsonNode name = configMap.remove("name");
    assertThat(name).as("the thresholds volume's ConfigMap name").isNotNull();
    return name.asText();
  }

  static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The files the Flink container sees from Secret and ConfigMap volumes that list their items:
   * mount path + item path. A volume without items contributes its mount path + "/*".
   */
  static Set<String> mountedFiles(JsonNode spec) {
    Set<String> files = new TreeSet<>();
    for (JsonNode mount : mainContainer(spec).path("volumeMounts")) {
      JsonNode volume = volume(spec, mount.path("name").asText());
      JsonNode source = volume.has("secret") ? volume.path("secret") : volume.path("configMap");
      String dir = mount.path("mountPath").asText();
      if (source.has("items")) {
        source.path("items").forEach(item -> files.add(dir + "/" + item.path("path").asText()));
      } else {
        files.add(dir + "/*");
      }
    }
    return files;
  }

  /** The alerting rules of a PrometheusRule by alert name. */
  static Map<String, JsonNode> alerts(JsonNode rule) {
    Map<String, JsonNode> alerts = new LinkedHashMap<>();
    rule.at("/spec/groups").forEach(g -> {
      assertThat(g.path("name").asText()).isNotBlank();
      g.path("rules").forEach(r -> {
        assertThat(r.path("expr").asText()).isNotBlank();
        assertThat(alerts.put(r.path("alert").asText(), r)).as("alert %s once", r.path("alert")).isNull();
      });
    });
    return alerts;
  }

  static int count(String text, String part) {
    return text.split(Pattern.quote(part), -1).length - 1;
  }

  // ---------------------------------------------------------------- helm test hooks

  /**
   * Helm's template command (helm-java has no other) leaves hooks out of its output, so the
   * test pod is rendered from a copy of the chart whose hook annotations are renamed to this.
   */
  static final String HOOK = "rendered-by-test.modelwatch.io/helm.sh-hook";

  Rendered renderWithHooks(Path valuesFile, Path... more) throws IOException {
    Path copy = copyChart();
    try (Stream<Path> files = Files.walk(copy.resolve("templates/tests"))) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        String text = Files.readString(file);
        assertThat(text).contains("helm.sh/hook: test");
        Files.writeString(file, text.replace("helm.sh/hook", HOOK));
      }
    }
    TemplateCommand template = new Helm(copy).template().withName("modelwatch").withNamespace("ml");
    if (valuesFile == null) {
      template.set("kafka.bootstrapServers", BOOTSTRAP);
    } else {
      template.withValuesFile(valuesFile);
    }
    for (Path file : more) {
      template.withValuesFile(file);
    }
    return Rendered.parse(template.call());
  }

  record ScriptRun(int exitCode, String stdout, String stderr) {}

  /** Runs the `helm test` script as the pod would, against REST_HOST 127.0.0.1, one attempt. */
  static ScriptRun runTestScript(int port, String jobName) throws Exception {
    ProcessBuilder builder = new ProcessBuilder("bash", TEST_SCRIPT.toString());
    builder.environment().putAll(Map.of("REST_HOST", "127.0.0.1", "REST_PORT", String.valueOf(port),
        "JOB_NAME", jobName, "TIMEOUT_SECONDS", "0"));
    Process process = builder.start();
    process.getOutputStream().close();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the test script did not end within 60 s");
    }
    return new ScriptRun(process.exitValue(),
        new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
        new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  /** One job of Flink's /jobs/overview, with the fields Flink 2.2's JobDetails has, in its order. */
  static String job(String name, String state) {
    return "{\"jid\":\"" + sha256(name).substring(0, 32) + "\",\"name\":\"" + name + "\","
        + "\"start-time\":1764158400000,\"end-time\":-1,\"duration\":3600000,\"state\":\"" + state + "\","
        + "\"last-modification\":1764158401000,\"tasks\":{\"running\":4,\"canceling\":0,\"canceled\":0,"
        + "\"total\":4,\"created\":0,\"scheduled\":0,\"deploying\":0,\"reconciling\":0,\"finished\":0,"
        + "\"initializing\":0,\"failed\":0},\"pending-operators\":0}";
  }

  static String overview(String... jobs) {
    return "{\"jobs\":[" + String.join(",", jobs) + "]}";
  }

  /** Answers every GET with the given /jobs/overview body, as the JobManager's REST API does. */
  static final class FakeJobManager implements AutoCloseable {
    private final HttpServer server;
    private final List<String> paths = new java.util.concurrent.CopyOnWriteArrayList<>();

    FakeJobManager(String overview) throws IOException {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext("/", exchange -> {
        paths.add(exchange.getRequestURI().getPath());
        byte[] body = overview.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json; charset=UTF-8");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
      });
      server.start();
    }

    int port() {
      return server.getAddress().getPort();
    }

    List<String> paths() {
      return paths;
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  // ---------------------------------------------------------------- the operator's CRD

  static JsonNode crd() throws IOException {
    return YAML.readTree(CRD.toFile());
  }

  /**
   * The schema of spec in the CRD's v1beta1 version, as a JSON Schema (draft 4, which OpenAPI
   * v3's subset follows). Two adjustments: objects that declare properties are closed, since
   * the API server prunes undeclared fields of a structural schema (or, with strict field
   * validation, refuses them) where JSON Schema would let them pass; and x-kubernetes-*
   * keywords are left to be ignored: the generator already spells int-or-string as anyOf
   * [integer, string], and the one x-kubernetes-preserve-unknown-fields (flinkConfiguration)
   * keeps its object open.
   */
  static Schema specSchema(JsonNode crd) throws IOException {
    JsonNode version = find(crd.at("/spec/versions"), "name", "v1beta1");
    JsonNode spec = version.at("/schema/openAPIV3Schema/properties/spec").deepCopy();
    assertThat(spec.path("properties").has("job")).as("spec's schema in the CRD").isTrue();
    closeObjects(spec);
    return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4)
        .getSchema(JSON.writeValueAsString(spec), InputFormat.JSON);
  }

  static void closeObjects(JsonNode schema) {
    if (!(schema instanceof ObjectNode node)) {
      return;
    }
    if (node.has("properties") && !node.has("additionalProperties")
        && !node.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
      node.put("additionalProperties", false);
    }
    node.path("properties").forEach(ModelwatchChartTest::closeObjects);
    closeObjects(node.path("items"));
    closeObjects(node.path("additionalProperties"));
    for (String list : List.of("anyOf", "allOf", "oneOf")) {
      node.path(list).forEach(ModelwatchChartTest::closeObjects);
    }
  }

  static List<String> validate(Schema schema, JsonNode instance) throws IOException {
    return schema.validate(JSON.writeValueAsString(instance), InputFormat.JSON).stream()
        .map(e -> e.getInstanceLocation() + ": " + e.getMessage()).toList();
  }

  /** Helm's coalescing of a values file over the chart's values: maps merge, the rest replaces. */
  static JsonNode merge(JsonNode base, JsonNode override) {
    if (!(base instanceof ObjectNode target) || !override.isObject()) {
      return override;
    }
    override.properties().forEach(e -> target.set(e.getKey(),
        target.has(e.getKey()) ? merge(target.get(e.getKey()), e.getValue()) : e.getValue()));
    return target;
  }

  static boolean schemaHas(JsonNode schema, String key) {
    JsonNode node = schema;
    // A key may contain escaped dots (flinkConfiguration.pipeline\\.max-parallelism).
    for (String part : key.split("(?<!\\\\)\\.")) {
      node = resolve(schema, node);
      if (node.path("properties").has(part)) {
        node = node.path("properties").path(part);
      } else if (node.path("additionalProperties").isObject()) {
        node = node.path("additionalProperties");
      } else {
        return node.path("type").asText().equals("object") && !node.has("additionalProperties");
      }
    }
    return true;
  }

  static JsonNode resolve(JsonNode schema, JsonNode node) {
    String ref = node.path("$ref").asText();
    return ref.startsWith("#/") ? schema.at(ref.substring(1)) : node;
  }

  static Document xml(Path file) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setNamespaceAware(true);
    return factory.newDocumentBuilder().parse(file.toFile());
  }

  static String xpath(Document doc, String expression) throws Exception {
    String value = XPathFactory.newInstance().newXPath().evaluate(expression, doc).trim();
    assertThat(value).as("%s", expression).isNotEmpty();
    return value;
  }

  /** The few instructions of deploy/Dockerfile the chart depends on. */
  record Dockerfile(String text, List<List<String>> instructions) {
    static Dockerfile parse(Path file) throws IOException {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      String joined = text.lines().filter(l -> !l.stripLeading().startsWith("#"))
          .collect(Collectors.joining("\n")).replace("\\\n", " ");
      List<List<String>> instructions = joined.lines().map(String::strip).filter(l -> !l.isEmpty())
          .map(l -> List.of(l.split("\\s+"))).toList();
      return new Dockerfile(text, instructions);
    }

    List<String> only(String instruction) {
      List<List<String>> found = instructions.stream().filter(i -> i.get(0).equalsIgnoreCase(instruction)).toList();
      assertThat(found).as("one %s in the Dockerfile", instruction).hasSize(1);
      return found.get(0).subList(1, found.get(0).size());
    }

    List<String> copyPaths() {
      return only("COPY").stream().filter(a -> !a.startsWith("--")).toList();
    }

    String from() {
      return only("FROM").get(0);
    }

    String copySource() {
      return copyPaths().get(0);
    }

    String copyDestination() {
      return copyPaths().get(copyPaths().size() - 1);
    }

    String user() {
      return only("USER").get(0);
    }
  }
}
