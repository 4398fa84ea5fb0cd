package io.modelwatch.cli;

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
        String bootstrap = null;
        String host = DashboardServer.Options.DEFAULT_HOST;
        int port = DashboardServer.Options.DEFAULT_PORT;
        String health = defaults.health();
        String triggers = defaults.triggers();
        Properties kafkaProps = new Properties();
        boolean openBrowser = true;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals("--help")) {
                System.out.println(USAGE);
                return 0;
            }
            if (flag.equals("--no-browser")) {
                openBrowser = false;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new UsageException(flag + ": needs a value");
            }
            String v = args[++i];
            switch (flag) {
                case "--bootstrap-servers" -> bootstrap = nonEmpty(flag, v);
                case "--host" -> host = nonEmpty(flag, v);
                case "--port" -> port = port(flag, v);
                case "--health-topic" -> health = nonEmpty(flag, v);
                case "--triggers-topic" -> triggers = nonEmpty(flag, v);
                case "--kafka-properties" -> kafkaProps = properties(flag, Path.of(v));
                default -> throw new UsageException("unknown option " + flag + " (" + USAGE.lines().findFirst().orElseThrow() + ")");
            }
        }
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

    static Properties properties(String flag, Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new ConfigException(flag + ": cannot read " + file + ": " + e);
        }
        return p;
    }

    private static String nonEmpty(String flag, String v) {
        if (v.isBlank()) {
            throw new UsageException(flag + ": must not be empty");
        }
        return v;
    }

    private static int port(String flag, String v) {
        try {
            int n = Integer.parseInt(v);
            if (n >= 0 && n <= 65535) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // fall through to the message
        }
        throw new UsageException(flag + ": must be a port number from 0 (any free port) to 65535, not '" + v + "'");
    }
}
