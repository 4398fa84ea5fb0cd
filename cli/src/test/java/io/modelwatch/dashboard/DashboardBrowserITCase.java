package io.modelwatch.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.jobs.RunOptions;
import io.modelwatch.demo.TrafficSimulator;
import io.modelwatch.demo.TrafficSimulator.DriftKind;
import io.modelwatch.demo.TrafficSimulator.ModelScenario;
import io.modelwatch.jobs.MonitoringJob;
import io.modelwatch.kafka.TopicReader;
import io.modelwatch.kafka.TopicWriter;
import io.modelwatch.model.Evidence;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.testing.ContractSchemas;
import io.modelwatch.testing.KafkaTestBase;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard page in a real headless Chromium (Debian's {@code chromium} and
 * {@code chromium-driver}, which .ci/run installs), against a real broker and what the real job
 * wrote: the job runs ({@code run --bounded}, default thresholds) over simulated traffic like the
 * demo's, in which churn-01's spend and tenure shift from minute 12 and search-05 starts late.
 * The dashboard reads copies of what it wrote in {@code model-health} and {@code retrain-triggers},
 * all but the last window's reports first; the last window's reports then arrive while the page
 * is open, and the page must show them without a reload.
 *
 * <p>{@code -Dmodelwatch.screenshot=../docs/dashboard.png} also saves a screenshot of the page
 * (the one in the README). {@code -Dmodelwatch.chromium=...} and {@code -Dmodelwatch.chromedriver=...}
 * point at other binaries.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class DashboardBrowserITCase extends KafkaTestBase {
    static final String CHROMIUM = System.getProperty("modelwatch.chromium", "/usr/bin/chromium");
    static final String CHROMEDRIVER = System.getProperty("modelwatch.chromedriver", "/usr/bin/chromedriver");
    static final Duration WAIT = Duration.ofSeconds(30);
    static final Instant START = Instant.parse("2026-11-26T08:00:00Z");
    static final int MINUTES = 18;
    static final int DRIFT_FROM_MINUTE = TrafficSimulator.DEFAULT_DRIFT_START_MINUTE;
    /** search-05 sends from this minute on: at the end it is still learning its reference. */
    static final int LATE_START_MINUTE = 15;
    /** Where the job writes; the dashboard reads copies under the default names. */
    static final String JOB_HEALTH = "job-health";
    static final String JOB_TRIGGERS = "job-triggers";

    @RegisterExtension
    static final MiniClusterExtension FLINK = miniCluster();

    @Test
    void showsTheDriftingModelWhatDecidedItsTriggerAndUpdatesLive(@TempDir Path stateDir, @TempDir Path profile)
            throws Exception {
        requireBrowser();
        runTheJob(stateDir);
        List<String> healthJson = TopicReader.readAll(kafka.bootstrapServers(), JOB_HEALTH).stream()
                .map(ConsumerRecord::value).toList();
        List<HealthReport> reports = healthJson.stream().map(r -> ContractSchemas.read(r, HealthReport.class)).toList();
        List<String> triggerJson = TopicReader.readAll(kafka.bootstrapServers(), JOB_TRIGGERS).stream()
                .map(ConsumerRecord::value).toList();
        RetrainTrigger featureDrift = triggerJson.stream().map(t -> ContractSchemas.read(t, RetrainTrigger.class))
                .filter(t -> t.modelId().equals("churn-01") && t.reason().equals(RetrainTrigger.FEATURE_DRIFT))
                .findFirst().orElseThrow(() -> new AssertionError("no FEATURE_DRIFT trigger for churn-01: " + triggerJson));
        Evidence strongest = featureDrift.evidence()[0];
        assertThat(strongest.statistic()).as("what decided churn-01's trigger").isEqualTo("ks");
        // The effect, then the test that made it significant.
        assertThat(featureDrift.evidence()[1].signal()).isEqualTo(strongest.signal());
        assertThat(featureDrift.evidence()[1].statistic()).isEqualTo("anderson_darling");

        // All but the newest window's reports now; those arrive while the page is open.
        String lastWindowEnd = reports.stream().map(HealthReport::windowEnd).max(String::compareTo).orElseThrow();
        List<String> early = new ArrayList<>();
        List<String> last = new ArrayList<>();
        for (int i = 0; i < reports.size(); i++) {
            (reports.get(i).windowEnd().equals(lastWindowEnd) ? last : early).add(healthJson.get(i));
        }
        List<HealthReport> churnShown = reports.stream()
                .filter(r -> r.modelId().equals("churn-01") && !r.windowEnd().equals(lastWindowEnd)).toList();
        assertThat(reports).filteredOn(r -> r.modelId().equals("churn-01") && r.windowEnd().equals(lastWindowEnd))
                .extracting(HealthReport::status).containsExactly(HealthReport.DRIFTING);
        // On the job's own reports, what the chart draws is at or above its line exactly when the
        // signal flagged: the effect past its threshold does not suffice without its test.
        for (String json : healthJson) {
            for (com.fasterxml.jackson.databind.node.ObjectNode s : ModelStore.signals(io.modelwatch.serde.Json.MAPPER.readTree(json))) {
                assertThat(s.path("ratio").asDouble() >= 1).as("%s", s).isEqualTo(s.path("drifted").asBoolean());
            }
        }
        copy("model-health", early);
        copy("retrain-triggers", triggerJson);

        try (DashboardServer server = DashboardServer.start(new DashboardServer.Options(
                kafka.bootstrapServers(), new Properties(), "model-health", "retrain-triggers", "127.0.0.1", 0))) {
            ChromeDriver browser = chromium(profile);
            try {
                browser.get(server.url());
                // The page re-renders a chart's svg on every pushed report: an element found just
                // before that is stale when its attribute is read, so look it up again.
                WebDriverWait wait = new WebDriverWait(browser, WAIT);
                wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);

                // The table: the drifting model first, as DRIFTING, with its trigger and what decided.
                By churnStatus = By.cssSelector("tr[data-model-id='churn-01'] .c-status");
                wait.until(ExpectedConditions.textToBe(churnStatus, "DRIFTING"));
                // The cell counts the model's triggers and names the newest: the feature shift also
                // moves the scores, so a PREDICTION_DRIFT trigger may follow the FEATURE_DRIFT one.
                long churnTriggers = triggerJson.stream().map(t -> ContractSchemas.read(t, RetrainTrigger.class))
                        .filter(t -> t.modelId().equals("churn-01")).count();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(
                        By.cssSelector("tr[data-model-id='churn-01'] .c-triggers"), churnTriggers + " · "));
                assertThat(text(browser, "tr[data-model-id='churn-01'] .c-signals"))
                        .containsAnyOf("monthly_spend ks", "tenure_months ks").doesNotContain("psi");
                wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#models-body tr"), 4));
                List<WebElement> rows = browser.findElements(By.cssSelector("#models-body tr"));
                assertThat(rows.get(0).getAttribute("data-model-id")).isEqualTo("churn-01");
                assertThat(text(browser, "tr[data-model-id='fraud-02'] .c-status")).isEqualTo("OK");
                assertThat(text(browser, "tr[data-model-id='fraud-02'] .c-triggers")).isEqualTo("none");
                assertThat(text(browser, "tr[data-model-id='search-05'] .c-status")).isEqualTo("WARMING UP");

                // The drifting model's detail: what decides each signal against what it must reach,
                // drifted windows and the trigger drawn, the trigger with its evidence.
                browser.findElement(By.cssSelector("tr[data-model-id='churn-01'] button")).click();
                wait.until(ExpectedConditions.attributeToBe(By.id("detail"), "data-model-id", "churn-01"));
                wait.until(ExpectedConditions.attributeToBe(By.id("drift-svg"), "data-points",
                        String.valueOf(churnShown.size())));
                By triggerItem = By.cssSelector("#triggers-list li.trigger[data-trigger-id='" + featureDrift.triggerId() + "']");
                WebElement trigger = wait.until(ExpectedConditions.visibilityOfElementLocated(triggerItem));
                assertThat(trigger.getText()).contains("FEATURE_DRIFT", featureDrift.severity(), strongest.signal(),
                        String.format(Locale.ROOT, "%.3f", strongest.value()));
                assertThat(browser.findElements(By.cssSelector("#drift-svg .threshold"))).hasSize(1);
                assertThat(browser.findElements(By.cssSelector("#drift-svg .marker"))).isNotEmpty();
                assertThat(browser.findElements(By.cssSelector("#drift-svg .band")))
                        .hasSize((int) churnShown.stream().filter(r -> r.status().equals(HealthReport.DRIFTING)).count());
                assertThat(browser.findElements(By.cssSelector("#drift-svg .dot.flagged"))).isNotEmpty();
                assertThat(text(browser, "#drift-legend"))
                        .contains("monthly_spend (ks + anderson_darling", "tenure_months (ks + anderson_darling",
                                "plan (linf + chi_square", "prediction (ks + anderson_darling", "flags at 1×")
                        .doesNotContain("psi");
                assertThat(text(browser, "#features-body tr:first-child th")).isIn("monthly_spend", "tenure_months");
                assertThat(text(browser, "#features-body tr:first-child .c-statistic")).startsWith("ks · anderson_darling");
                assertThat(text(browser, "#features-body tr:first-child")).contains("drifted");
                // The latest window's pair tests (the job's report: churn-01's two numeric features,
                // whose joint reference is complete five windows after the freeze).
                HealthReport.Joint joint = churnShown.stream().max(java.util.Comparator.comparing(HealthReport::windowEnd))
                        .orElseThrow().joint();
                assertThat(joint).isNotNull();
                assertThat(browser.findElement(By.id("pairs")).isDisplayed()).isTrue();
                assertThat(text(browser, "#pairs-body tr:first-child th"))
                        .isEqualTo(joint.pairs()[0].first() + " × " + joint.pairs()[0].second());
                assertThat(text(browser, "#pairs-meta")).startsWith(joint.pairsTested() + " pair");
                // Estimated and realised performance on one chart: the job's estimates of churn-01's
                // windows (its predictions are scores), each with its interval, decayed ones ringed.
                long estimated = churnShown.stream().filter(r -> r.estimatedPerformance() != null).count();
                assertThat(estimated).as("churn-01's reports with an estimate").isPositive();
                assertThat(browser.findElement(By.id("estimated-figure")).isDisplayed()).isTrue();
                assertThat(browser.findElements(By.cssSelector("#estimated-svg path[data-series='estimated accuracy']")))
                        .hasSize(1);
                assertThat(browser.findElements(By.cssSelector("#estimated-svg .interval"))).isNotEmpty();
                // One dot per estimated window (the reference line has none, no labels here).
                assertThat(browser.findElements(By.cssSelector("#estimated-svg circle.dot"))).hasSize((int) estimated);
                assertThat(browser.findElements(By.cssSelector("#estimated-svg circle.dot[data-mark]")))
                        .hasSize((int) churnShown.stream()
                                .filter(r -> r.estimatedPerformance() != null && r.estimatedPerformance().decayed()).count());
                assertThat(text(browser, "#estimated-legend")).contains("estimated accuracy", "95% interval",
                        "calibration: none");
                assertThat(text(browser, "#connection-text")).isEqualTo("live");

                String screenshot = System.getProperty("modelwatch.screenshot");
                if (screenshot != null && !screenshot.isBlank()) {
                    saveScreenshot(browser, Path.of(screenshot));
                }

                // Live: the last window's reports, pushed, no reload.
                copy("model-health", last);
                wait.until(ExpectedConditions.attributeToBe(By.id("drift-svg"), "data-points",
                        String.valueOf(churnShown.size() + 1)));
                wait.until(ExpectedConditions.textToBePresentInElementLocated(
                        By.cssSelector("tr[data-model-id='churn-01'] .c-window"), lastWindowEnd.substring(11, 16)));
                assertThat(text(browser, ".count-drifting strong")).isEqualTo("1");

                // No script error, no blocked resource (the page's CSP allows nothing from elsewhere).
                assertThat(browser.manage().logs().get(LogType.BROWSER).getAll())
                        .filteredOn(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                        .extracting(LogEntry::getMessage).isEmpty();
            } finally {
                browser.quit();
            }
        }
    }

    /** The job over the simulated traffic, to its end. */
    @Test
    void showsTheSegmentsThatExplainADecay(@TempDir Path profile) throws Exception {
        requireBrowser();
        // The contract's examples: a decayed window naming region=north_america, and its trigger.
        Path examples = Path.of("..").toAbsolutePath().normalize().resolve("src/examples");
        kafka.createTopic("segments-health", 1);
        kafka.createTopic("segments-triggers", 1);
        copy("segments-health", List.of(Files.readString(examples.resolve("health-report-decayed.json"))));
        copy("segments-triggers", List.of(Files.readString(examples.resolve("retrain-trigger-performance.json"))));
        try (DashboardServer server = DashboardServer.start(new DashboardServer.Options(
                kafka.bootstrapServers(), new Properties(), "segments-health", "segments-triggers", "127.0.0.1", 0))) {
            ChromeDriver browser = chromium(profile);
            try {
                browser.get(server.url());
                // The page re-renders a chart's svg on every pushed report: an element found just
                // before that is stale when its attribute is read, so look it up again.
                WebDriverWait wait = new WebDriverWait(browser, WAIT);
                wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
                By checkout = By.cssSelector("tr[data-model-id='checkout'] button");
                wait.until(ExpectedConditions.elementToBeClickable(checkout)).click();
                wait.until(ExpectedConditions.attributeToBe(By.id("detail"), "data-model-id", "checkout"));
                By row = By.cssSelector("#segments-body tr[data-segment='region=north_america']");
                WebElement segment = wait.until(ExpectedConditions.visibilityOfElementLocated(row));
                assertThat(segment.getText()).contains("region=north_america", "21.2%", "error_rate", "0.098", "0.858",
                        "its reference", "1.2e-96", "0.161");
                assertThat(text(browser, "#segments-meta")).contains("09:14");
                assertThat(text(browser, "#triggers-list")).contains("PERFORMANCE_DECAY", "segment:region=north_america",
                        "segment_contribution");
                assertThat(browser.manage().logs().get(LogType.BROWSER).getAll())
                        .filteredOn(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                        .extracting(LogEntry::getMessage).isEmpty();
            } finally {
                browser.quit();
            }
        }
    }

    /** The contract's examples: a window whose prediction drifted where region = us-east, and its trigger. */
    @Test
    void showsTheSegmentsThatExplainAPredictionDrift(@TempDir Path profile) throws Exception {
        requireBrowser();
        Path examples = Path.of("..").toAbsolutePath().normalize().resolve("src/examples");
        kafka.createTopic("prediction-segments-health", 1);
        kafka.createTopic("prediction-segments-triggers", 1);
        copy("prediction-segments-health",
                List.of(Files.readString(examples.resolve("health-report-prediction-drift.json"))));
        copy("prediction-segments-triggers",
                List.of(Files.readString(examples.resolve("retrain-trigger-prediction.json"))));
        try (DashboardServer server = DashboardServer.start(new DashboardServer.Options(kafka.bootstrapServers(),
                new Properties(), "prediction-segments-health", "prediction-segments-triggers", "127.0.0.1", 0))) {
            ChromeDriver browser = chromium(profile);
            try {
                browser.get(server.url());
                WebDriverWait wait = new WebDriverWait(browser, WAIT);
                wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
                By churn = By.cssSelector("tr[data-model-id='churn'] button");
                wait.until(ExpectedConditions.elementToBeClickable(churn)).click();
                wait.until(ExpectedConditions.attributeToBe(By.id("detail"), "data-model-id", "churn"));
                By row = By.cssSelector("#prediction-segments-body tr[data-segment='region=us-east']");
                WebElement segment = wait.until(ExpectedConditions.visibilityOfElementLocated(row));
                assertThat(segment.getText()).contains("region=us-east", "21.1%", "0.290", "0.670", "4.6e-41", "100%");
                assertThat(text(browser, "#prediction-segments-meta")).contains("mean", "0.310", "0.390", "17");
                assertThat(text(browser, "#triggers-list")).contains("PREDICTION_DRIFT", "segment:region=us-east",
                        "segment_shift_contribution");
                assertThat(browser.manage().logs().get(LogType.BROWSER).getAll())
                        .filteredOn(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                        .extracting(LogEntry::getMessage).isEmpty();
            } finally {
                browser.quit();
            }
        }
    }

    static void runTheJob(Path stateDir) throws Exception {
        TrafficSimulator sim = new TrafficSimulator(11, START, 1200, List.of(
                new ModelScenario("churn-01", "1", DriftKind.FEATURE_SHIFT, DRIFT_FROM_MINUTE),
                ModelScenario.stable("fraud-02", "1"),
                ModelScenario.stable("pricing-03", "4"),
                ModelScenario.stable("search-05", "2")));
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (int m = 0; m < MINUTES; m++) {
            for (TrafficSimulator.SimulatedEvent e : sim.minute(m)) {
                if (m >= LATE_START_MINUTE || !e.modelId().equals("search-05")) {
                    records.add(new ProducerRecord<>("predictions", e.modelId(), e.json()));
                }
            }
        }
        TopicWriter.send(kafka.bootstrapServers(), "predictions", records);
        kafka.createTopic(JOB_HEALTH, 1);
        kafka.createTopic(JOB_TRIGGERS, 1);
        MonitoringJob.run(RunOptions.parse(new String[] {
            "--bootstrap-servers", kafka.bootstrapServers(), "--bounded", "--parallelism", "2",
            "--health-topic", JOB_HEALTH, "--triggers-topic", JOB_TRIGGERS,
            "--state-dir", stateDir.toString(), "--checkpoint-interval", "1s", "--job-name", "dashboard-itcase"}));
    }

    static void copy(String topic, List<String> values) {
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (String v : values) {
            records.add(new ProducerRecord<>(topic, null, v.getBytes(StandardCharsets.UTF_8)));
        }
        TopicWriter.send(kafka.bootstrapServers(), topic, records);
    }

    static void requireBrowser() {
        for (String path : List.of(CHROMIUM, CHROMEDRIVER)) {
            if (!new File(path).canExecute()) {
                throw new AssertionError("The dashboard browser test needs Debian's chromium and chromium-driver: "
                        + path + " is missing. Install them with `apt-get update && apt-get install -y chromium "
                        + "chromium-driver` (.ci/run does), or point -Dmodelwatch.chromium / -Dmodelwatch.chromedriver "
                        + "at other binaries.");
            }
        }
    }

    static ChromeDriver chromium(Path profile) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-extensions", "--hide-scrollbars", "--force-device-scale-factor=1", "--lang=en-US",
                "--window-size=1440,1000", "--user-data-dir=" + profile.toAbsolutePath());
        options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
        // A driver of our choosing: Selenium Manager (which would download one) never runs.
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort()
                .build();
        return new ChromeDriver(service, options);
    }

    static void saveScreenshot(ChromeDriver browser, Path file) throws Exception {
        // The whole page, not just the first screenful: grow the window to the page's height.
        long height = (Long) ((JavascriptExecutor) browser).executeScript(
                "return Math.ceil(document.documentElement.scrollHeight)");
        browser.manage().window().setSize(new Dimension(1440, (int) Math.min(height + 140, 4000)));
        ((JavascriptExecutor) browser).executeScript("window.scrollTo(0, 0)");
        byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
        Path target = file.toAbsolutePath();
        Files.createDirectories(target.getParent());
        Files.write(target, png);
        browser.manage().window().setSize(new Dimension(1440, 1000));
    }

    static String text(ChromeDriver browser, String css) {
        return browser.findElement(By.cssSelector(css)).getText().trim();
    }
}
