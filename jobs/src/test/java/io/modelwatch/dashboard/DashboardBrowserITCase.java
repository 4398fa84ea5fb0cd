package io.modelwatch.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelwatch.kafka.EmbeddedKafkaCluster;
import io.modelwatch.kafka.TopicWriter;
import io.modelwatch.serde.Json;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.logging.Level;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
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
 * {@code chromium-driver}, which .ci/run installs), against a real broker: reports and a trigger
 * like the demo's are on the topics before the page opens; then a new report arrives and the page
 * must show it without a reload.
 *
 * <p>{@code -Dmodelwatch.screenshot=../docs/dashboard.png} also saves a screenshot of the page
 * (the one in the README). {@code -Dmodelwatch.chromium=...} and {@code -Dmodelwatch.chromedriver=...}
 * point at other binaries.
 */
class DashboardBrowserITCase {
    static final String CHROMIUM = System.getProperty("modelwatch.chromium", "/usr/bin/chromium");
    static final String CHROMEDRIVER = System.getProperty("modelwatch.chromedriver", "/usr/bin/chromedriver");
    static final Duration WAIT = Duration.ofSeconds(30);
    static final int MINUTES = 16;

    static EmbeddedKafkaCluster kafka;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafkaCluster.start();
        kafka.createTopic("model-health", 1);
        kafka.createTopic("retrain-triggers", 1);
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void showsTheDriftingModelItsTriggerAndUpdatesLive(@TempDir Path profile) throws Exception {
        requireBrowser();
        List<ObjectNode> reports = new ArrayList<>();
        for (int m = 0; m < MINUTES; m++) {
            // Interleaved by window, as the job writes them.
            reports.add(DemoReports.drifting(MINUTES).get(m));
            reports.add(DemoReports.stable("fraud-02", "1", MINUTES).get(m));
            reports.add(DemoReports.stable("pricing-03", "4", MINUTES).get(m));
            if (m < 3) {
                reports.add(DemoReports.stable("search-05", "2", 3).get(m));
            }
        }
        write("model-health", reports);
        write("retrain-triggers", List.of(DemoReports.trigger()));

        try (DashboardServer server = DashboardServer.start(new DashboardServer.Options(
                kafka.bootstrapServers(), new Properties(), "model-health", "retrain-triggers", "127.0.0.1", 0))) {
            ChromeDriver browser = chromium(profile);
            try {
                browser.get(server.url());
                WebDriverWait wait = new WebDriverWait(browser, WAIT);

                // The table: the drifting model first, as DRIFTING, with its trigger.
                By churnStatus = By.cssSelector("tr[data-model-id='churn-01'] .c-status");
                wait.until(ExpectedConditions.textToBe(churnStatus, "DRIFTING"));
                wait.until(ExpectedConditions.textToBePresentInElementLocated(
                        By.cssSelector("tr[data-model-id='churn-01'] .c-triggers"), "FEATURE_DRIFT"));
                assertThat(browser.findElement(By.cssSelector("tr[data-model-id='churn-01'] .c-triggers")).getText())
                        .contains("1", "FEATURE_DRIFT", "CRITICAL");
                assertThat(browser.findElement(By.cssSelector("tr[data-model-id='churn-01'] .c-signals")).getText())
                        .contains("monthly_spend", "tenure_months");
                wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#models-body tr"), 4));
                List<WebElement> rows = browser.findElements(By.cssSelector("#models-body tr"));
                assertThat(rows.get(0).getAttribute("data-model-id")).isEqualTo("churn-01");
                assertThat(text(browser, "tr[data-model-id='fraud-02'] .c-status")).isEqualTo("OK");
                assertThat(text(browser, "tr[data-model-id='fraud-02'] .c-triggers")).isEqualTo("none");
                assertThat(text(browser, "tr[data-model-id='search-05'] .c-status")).isEqualTo("WARMING UP");

                // The drifting model's detail: its history charted, its trigger with the evidence.
                browser.findElement(By.cssSelector("tr[data-model-id='churn-01'] button")).click();
                wait.until(ExpectedConditions.attributeToBe(By.id("detail"), "data-model-id", "churn-01"));
                wait.until(ExpectedConditions.attributeToBe(By.id("drift-svg"), "data-points", String.valueOf(MINUTES)));
                WebElement trigger = wait.until(ExpectedConditions.visibilityOfElementLocated(
                        By.cssSelector("#triggers-list li.trigger")));
                assertThat(trigger.getAttribute("data-trigger-id")).isEqualTo("churn-01/1/FEATURE_DRIFT/2026-11-26T08:15:00Z");
                assertThat(trigger.getText()).contains("FEATURE_DRIFT", "CRITICAL", "feature:monthly_spend", "0.723");
                assertThat(browser.findElements(By.cssSelector("#drift-svg .threshold"))).isNotEmpty();
                assertThat(browser.findElements(By.cssSelector("#drift-svg .band"))).hasSize(MINUTES - DemoReports.DRIFT_FROM_MINUTE);
                assertThat(browser.findElement(By.cssSelector("#drift-legend")).getText())
                        .contains("monthly_spend", "tenure_months", "prediction", "threshold");
                assertThat(text(browser, "#features-body tr:first-child th")).isEqualTo("monthly_spend");
                assertThat(text(browser, "#connection-text")).isEqualTo("live");

                String screenshot = System.getProperty("modelwatch.screenshot");
                if (screenshot != null && !screenshot.isBlank()) {
                    saveScreenshot(browser, Path.of(screenshot));
                }

                // Live: a new window for churn-01 and fraud-02 turning DRIFTING, pushed, no reload.
                write("model-health", List.of(
                        DemoReports.report("churn-01", "1", MINUTES, "DRIFTING", 0.9, 0.5, 0.1, 3),
                        DemoReports.report("fraud-02", "1", MINUTES, "DRIFTING", 0.31, 0.01, 0.01, 1)));
                wait.until(ExpectedConditions.attributeToBe(By.id("drift-svg"), "data-points", String.valueOf(MINUTES + 1)));
                wait.until(ExpectedConditions.textToBe(By.cssSelector("tr[data-model-id='fraud-02'] .c-status"), "DRIFTING"));
                assertThat(text(browser, "tr[data-model-id='fraud-02'] .c-escalation")).contains("1 drifted in 10m");
                assertThat(text(browser, "tr[data-model-id='churn-01'] .c-window")).endsWith("08:17");
                assertThat(text(browser, ".count-drifting strong")).isEqualTo("2");

                // No script error, no blocked resource (the page's CSP allows nothing from elsewhere).
                assertThat(browser.manage().logs().get(LogType.BROWSER).getAll())
                        .filteredOn(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                        .extracting(LogEntry::getMessage).isEmpty();
            } finally {
                browser.quit();
            }
        }
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

    static void write(String topic, List<ObjectNode> values) {
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (ObjectNode v : values) {
            records.add(new ProducerRecord<>(topic, v.get("modelId").asText(), Json.toBytes(v)));
        }
        TopicWriter.send(kafka.bootstrapServers(), topic, records);
    }
}
