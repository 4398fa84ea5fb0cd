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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.w3c.dom.Document;

/**
 * The chart as a user meets it: linted, rendered with the defaults and with a typical
 * production values file, and the rendered FlinkDeployment checked against the image
 * (deploy/Dockerfile), the job jar (jobs/pom.xml) and the job's command line.
 */
class ModelwatchChartTest {

  // Surefire runs in the module directory, helm/.
  static final Path CHART = Path.of("modelwatch");
  static final Path REPO = Path.of("..");
  static final Path PRODUCTION = Path.of("src/test/resources/values-production.yaml");
  static final Path RUNBOOK = REPO.resolve("deploy/runbook-kubernetes.md");
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
  void aThresholdChangeChangesTheChecksumAndNothingElseInTheFlinkDeployment() throws IOException {
    Path change = values("thresholds: {models: {churn: {drift: {psi: {warning: 0.2}}}}}");
    ObjectNode before = (ObjectNode) render(PRODUCTION).flinkDeployment();
    ObjectNode after = (ObjectNode) render(PRODUCTION, change).flinkDeployment();

    String checksumBefore = removeChecksum(before);
    String checksumAfter = removeChecksum(after);

    assertThat(checksumBefore).matches("[0-9a-f]{64}");
    assertThat(checksumAfter).matches("[0-9a-f]{64}").isNotEqualTo(checksumBefore);
    assertThat(after).as("the FlinkDeployment apart from checksum/thresholds").isEqualTo(before);
  }

  @Test
  void aChangeElsewhereLeavesTheThresholdsChecksumAlone() throws IOException {
    ObjectNode before = (ObjectNode) render(PRODUCTION).flinkDeployment();
    ObjectNode after = (ObjectNode) render(PRODUCTION, values("job: {parallelism: 8}\ntaskManager: {replicas: 4}"))
        .flinkDeployment();
    assertThat(removeChecksum(after)).isEqualTo(removeChecksum(before));
    assertThat(after.at("/spec/job/parallelism").asInt()).isEqualTo(8);
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

  record Rendered(List<JsonNode> docs) {
    static Rendered parse(String yaml) {
      try {
        List<JsonNode> docs = new ArrayList<>();
        Iterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml);
        it.forEachRemaining(d -> {
          if (d != null && d.isObject()) {
            docs.add(d);
          }
        });
        return new Rendered(docs);
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

  static JsonNode thresholdsFile(Rendered out) throws IOException {
    JsonNode configMap = out.all("ConfigMap").stream()
        .filter(c -> c.path("metadata").path("name").asText().endsWith("-thresholds")).findFirst().orElseThrow();
    return YAML.readTree(configMap.path("data").path("thresholds.yaml").asText());
  }

  /** Removes checksum/thresholds from a FlinkDeployment and returns it. */
  static String removeChecksum(ObjectNode flinkDeployment) {
    ObjectNode annotations = (ObjectNode) flinkDeployment.at("/spec/podTemplate/metadata/annotations");
    JsonNode checksum = annotations.remove("checksum/thresholds");
    assertThat(checksum).as("checksum/thresholds in the pod template").isNotNull();
    return checksum.asText();
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
