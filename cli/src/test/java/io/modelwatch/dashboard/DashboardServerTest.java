package io.modelwatch.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwatch.serde.Json;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP side without a browser or a broker: the feed points nowhere, the store is filled directly. */
class DashboardServerTest {
    DashboardServer server;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws Exception {
        server = DashboardServer.start(new DashboardServer.Options("127.0.0.1:9", new Properties(), "model-health",
                "retrain-triggers", "127.0.0.1", 0));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.url()).resolve(path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesThePageWithAPolicyThatAllowsNothingFromElsewhere() throws Exception {
        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow()).startsWith("default-src 'self'");
        assertThat(page.body()).contains("<script src=\"app.js\"></script>").doesNotContain("http://", "https://");
        assertThat(get("/app.js").headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertThat(get("/nothing-here").statusCode()).isEqualTo(404);
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(server.url()).resolve("/api/models"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
    }

    @Test
    void modelIdsWithSlashesAndSpacesArePathSegmentsWhenEncoded() throws Exception {
        server.store().addReport(DemoReports.report("team/churn model+", "v 2", 5, "OK", 0.01, 0.01, 0.01, 0));
        JsonNode all = Json.MAPPER.readTree(get("/api/models").body());
        assertThat(all.path("models").get(0).path("modelId").asText()).isEqualTo("team/churn model+");
        assertThat(all.path("source").path("healthTopic").asText()).isEqualTo("model-health");

        HttpResponse<String> one = get("/api/models/team%2Fchurn%20model%2B/v%202");
        assertThat(one.statusCode()).isEqualTo(200);
        JsonNode detail = Json.MAPPER.readTree(one.body());
        assertThat(detail.path("points")).hasSize(1);
        // What the page charts and lists: each signal's deciding statistic, never PSI.
        assertThat(detail.path("latestSignals")).extracting(s -> s.path("statistic").asText()).containsOnly("ks", "linf");
        assertThat(detail.path("points").get(0).path("drift")).extracting(s -> s.path("statistic").asText())
                .containsOnly("ks", "linf");
        assertThat(get("/api/models/team/churn/v2").statusCode()).isEqualTo(404);
    }

    @Test
    void theEventStreamStartsWithASnapshotThenPushesEachChange() throws Exception {
        server.store().addReport(DemoReports.report("a", "1", 0, "OK", 0.01, 0.01, 0.01, 0));
        HttpResponse<java.io.InputStream> stream = http.send(
                HttpRequest.newBuilder(URI.create(server.url()).resolve("/api/events")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.headers().firstValue("Content-Type")).hasValue("text/event-stream; charset=utf-8");
        try (BufferedReader in = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            assertThat(nextEvent(in)).startsWith("event: snapshot\ndata: {\"models\":[{\"modelId\":\"a\"");
            server.store().addReport(DemoReports.report("b", "1", 0, "DRIFTING", 0.5, 0.01, 0.01, 1));
            String change = nextEvent(in);
            assertThat(change).startsWith("event: model\ndata: ");
            JsonNode data = Json.MAPPER.readTree(change.substring(change.indexOf("data: ") + 6));
            assertThat(data.path("summary").path("modelId").asText()).isEqualTo("b");
            assertThat(data.path("point").path("status").asText()).isEqualTo("DRIFTING");
        }
    }

    /** The next event (lines up to a blank line), skipping the retry hint and comments. */
    static String nextEvent(BufferedReader in) throws Exception {
        while (true) {
            StringBuilder event = new StringBuilder();
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                event.append(line).append('\n');
            }
            String e = event.toString();
            if (e.startsWith("event:")) {
                return e;
            }
        }
    }
}
