package io.modelwatch.cli;

import io.modelwatch.jobs.Flags;
import java.util.Set;
import io.modelwatch.jobs.UsageException;
import io.modelwatch.jobs.Topics;
import io.modelwatch.config.ConfigException;
import io.modelwatch.dashboard.DashboardServer;
import java.io.IOException;
import java.io.Reader;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

/**
 * {@code bin/modelwatch dashboard}: the live dashboard against a running job's Kafka. Reads
 * {@code model-health} and {@code retrain-triggers} (read_committed, from the beginning) and serves
 * the page until Ctrl-C.
 */
final class DashboardCommand {
    static final String USAGE = String.join("\n",
            "usage: modelwatch dashboard --bootstrap-servers HOST:PORT [--port 8080] [--host 127.0.0.1]",
            "                            [--health-topic model-health] [--triggers-topic retrain-triggers]",
            "                            [--kafka-properties FILE] [--no-browser]",
            "  --host 0.0.0.0 serves other machines too; the page has no login, so mind who can reach it.");

    private DashboardCommand() {}

    static int run(String[] args) throws Exception {
        Topics defaults = Topics.defaults();
        var f = new Object() {
            String bootstrap;
            String host = DashboardServer.Options.DEFAULT_HOST;
            int port = DashboardServer.Options.DEFAULT_PORT;
            String health = defaults.health();
            String triggers = defaults.triggers();
            Properties kafkaProps = new Properties();
            boolean openBrowser = true;
        };
        boolean read = Flags.parse(args, Set.of("--no-browser"), (flag, v) -> {
            switch (flag) {
                case "--no-browser" -> f.openBrowser = false;
                case "--bootstrap-servers" -> f.bootstrap = Flags.nonEmpty(flag, v);
                case "--host" -> f.host = Flags.nonEmpty(flag, v);
                case "--port" -> f.port = Flags.listenPort(flag, v);
                case "--health-topic" -> f.health = Flags.nonEmpty(flag, v);
                case "--triggers-topic" -> f.triggers = Flags.nonEmpty(flag, v);
                case "--kafka-properties" -> f.kafkaProps = Flags.properties(flag, Path.of(v));
                default -> throw Flags.unknown(flag);
            }
        });
        if (!read) {
            System.out.println(USAGE);
            return 0;
        }
        String bootstrap = f.bootstrap;
        String host = f.host;
        int port = f.port;
        String health = f.health;
        String triggers = f.triggers;
        Properties kafkaProps = f.kafkaProps;
        boolean openBrowser = f.openBrowser;
        if (bootstrap == null) {
            throw new UsageException("--bootstrap-servers: required (HOST:PORT of the job's Kafka)");
        }
        DashboardServer server;
        try {
            server = DashboardServer.start(new DashboardServer.Options(bootstrap, kafkaProps, health, triggers, host, port));
        } catch (BindException e) {
            throw new UsageException("--port " + port + ": cannot listen on " + host + ":" + port + " (" + e.getMessage()
                    + "); choose another with --port");
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "modelwatch-dashboard-shutdown"));
        System.out.println("modelwatch dashboard: " + server.url() + " (" + health + " and " + triggers + " on "
                + bootstrap + "; Ctrl-C to stop)");
        if (openBrowser) {
            BrowserLauncher.open(server.url());
        }
        stopped.await();
        return 0;
    }

    /** Starts the dashboard for the demo: on port 8080 when it is free, on any free port otherwise. */
    static DashboardServer startForDemo(String bootstrapServers, Topics topics) throws IOException {
        DashboardServer.Options o = new DashboardServer.Options(bootstrapServers, new Properties(), topics.health(),
                topics.triggers(), DashboardServer.Options.DEFAULT_HOST, DashboardServer.Options.DEFAULT_PORT);
        try {
            return DashboardServer.start(o);
        } catch (BindException inUse) {
            return DashboardServer.start(new DashboardServer.Options(o.bootstrapServers(), o.kafkaProperties(),
                    o.healthTopic(), o.triggersTopic(), o.host(), 0));
        }
    }

    /** Prints the demo's dashboard address and opens it in a browser if there is one. */
    static void announce(DashboardServer dashboard, boolean openBrowser) {
        boolean opened = openBrowser && BrowserLauncher.open(dashboard.url());
        System.out.println("dashboard: " + dashboard.url() + (opened ? " (opened in your browser)" : ""));
    }
}
