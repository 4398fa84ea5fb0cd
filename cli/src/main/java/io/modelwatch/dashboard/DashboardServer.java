package io.modelwatch.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.modelwatch.serde.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The live dashboard: the JDK's own HTTP server, a {@link TopicFeed} tailing {@code model-health}
 * and {@code retrain-triggers} into a bounded {@link ModelStore}, and a static page that draws it.
 *
 * <pre>
 * GET /                          the page (index.html, app.js, style.css from the classpath)
 * GET /api/models                every model version's row, the store's counts, the feed's state
 * GET /api/models/{id}/{version} one model version: latest report, window points, triggers
 * GET /api/events                server-sent events: a "snapshot" first, then "model", "trigger"
 *                                and "feed" changes as they are read
 * GET /healthz                   "ok" (for a liveness probe)
 * </pre>
 *
 * Path segments are percent-encoded (model ids may contain '/'). Read only: every other method is
 * refused. It binds to loopback unless told otherwise: the page has no authentication.
 */
public final class DashboardServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(DashboardServer.class.getName());

    /** Concurrent event streams (browser tabs); more get 503 rather than threads without bound. */
    static final int MAX_EVENT_CLIENTS = 32;
    /** Changes queued for one slow client; past it the client is sent a fresh snapshot instead. */
    static final int CLIENT_QUEUE = 2_000;
    /** A comment line this often keeps proxies from closing an idle stream and finds dead clients. */
    static final long HEARTBEAT_MILLIS = 15_000;

    private static final Map<String, String> STATIC = Map.of(
            "/", "index.html",
            "/index.html", "index.html",
            "/app.js", "app.js",
            "/style.css", "style.css",
            "/favicon.svg", "favicon.svg");
    private static final String CSP =
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
                    + "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private final ModelStore store;
    private final TopicFeed feed;
    private final HttpServer http;
    private final ExecutorService executor;
    private final Set<EventClient> clients = ConcurrentHashMap.newKeySet();
    private final AtomicInteger threadIds = new AtomicInteger();
    private final Map<String, byte[]> resources = new ConcurrentHashMap<>();
    private final ObjectNode source;
    private volatile boolean closed;

    private DashboardServer(Options o, ModelStore store, TopicFeed feed) throws IOException {
        this.store = store;
        this.feed = feed;
        this.source = Json.MAPPER.createObjectNode()
                .put("bootstrapServers", o.bootstrapServers())
                .put("healthTopic", o.healthTopic())
                .put("triggersTopic", o.triggersTopic());
        for (String name : STATIC.values()) {
            resources.put(name, resource(name));
        }
        this.http = HttpServer.create(new InetSocketAddress(o.host(), o.port()), 64);
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "modelwatch-dashboard-http-" + threadIds.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(executor);
        http.createContext("/", this::handle);
    }

    /** Where and what to serve. {@code port} 0 picks a free port. */
    public record Options(String bootstrapServers, Properties kafkaProperties, String healthTopic,
            String triggersTopic, String host, int port) {
        public static final String DEFAULT_HOST = "127.0.0.1";
        public static final int DEFAULT_PORT = 8080;
    }

    /** Starts the feed and the HTTP server. */
    public static DashboardServer start(Options o) throws IOException {
        return start(o, new ModelStore());
    }

    public static DashboardServer start(Options o, ModelStore store) throws IOException {
        TopicFeed feed = new TopicFeed(o.bootstrapServers(), o.kafkaProperties(), o.healthTopic(), o.triggersTopic(), store);
        DashboardServer server;
        try {
            server = new DashboardServer(o, store, feed);
        } catch (IOException | RuntimeException e) {
            feed.close();
            throw e;
        }
        server.http.start();
        feed.start();
        return server;
    }

    /** The port actually bound. */
    public int port() {
        return http.getAddress().getPort();
    }

    /** The page's address, e.g. {@code http://127.0.0.1:8080/} ({@code localhost} when bound to all interfaces). */
    public String url() {
        java.net.InetAddress a = http.getAddress().getAddress();
        String host = a.isAnyLocalAddress() ? "localhost" : a.getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return "http://" + host + ":" + port() + "/";
    }

    public ModelStore store() {
        return store;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            boolean head = method.equals("HEAD");
            if (!method.equals("GET") && !head) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                send(ex, 405, "text/plain; charset=utf-8", "method not allowed\n", head);
                return;
            }
            String path = ex.getRequestURI().getRawPath();
            if (STATIC.containsKey(path)) {
                String name = STATIC.get(path);
                send(ex, 200, contentType(name), resources.get(name), head);
            } else if (path.equals("/api/models")) {
                ObjectNode body = store.snapshot();
                body.set("feed", feed.state());
                body.set("source", source);
                send(ex, 200, "application/json", Json.toBytes(body), head);
            } else if (path.startsWith("/api/models/")) {
                String[] parts = path.substring("/api/models/".length()).split("/", -1);
                ObjectNode detail = parts.length == 2 ? store.detail(decode(parts[0]), decode(parts[1])) : null;
                if (detail == null) {
                    send(ex, 404, "application/json", "{\"error\":\"no such model version\"}", head);
                } else {
                    send(ex, 200, "application/json", Json.toBytes(detail), head);
                }
            } else if (path.equals("/api/events") && !head) {
                stream(ex);
            } else if (path.equals("/healthz")) {
                send(ex, 200, "text/plain; charset=utf-8", "ok\n", head);
            } else {
                send(ex, 404, "text/plain; charset=utf-8", "not found\n", head);
            }
        } catch (IOException e) {
            // the browser went away mid-response
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "dashboard request " + ex.getRequestURI() + " failed", e);
        }
    }

    /** One server-sent event stream: a snapshot, then every change until the client or server goes. */
    private void stream(HttpExchange ex) throws IOException {
        if (clients.size() >= MAX_EVENT_CLIENTS || closed) {
            send(ex, 503, "text/plain; charset=utf-8", "too many live connections\n", false);
            return;
        }
        Headers h = ex.getResponseHeaders();
        h.set("Content-Type", "text/event-stream; charset=utf-8");
        h.set("Cache-Control", "no-cache");
        h.set("X-Accel-Buffering", "no"); // nginx: do not buffer the stream
        ex.sendResponseHeaders(200, 0);
        EventClient client = new EventClient();
        clients.add(client);
        try {
            ObjectNode snapshot = store.subscribe(client);
            snapshot.set("feed", feed.state());
            snapshot.set("source", source);
            OutputStream out = ex.getResponseBody();
            // retry: how soon the browser reconnects after a broken stream (it then gets a new snapshot)
            out.write(("retry: 2000\n\n" + event("snapshot", snapshot)).getBytes(StandardCharsets.UTF_8));
            out.flush();
            while (!closed) {
                String message = client.queue.poll(HEARTBEAT_MILLIS, TimeUnit.MILLISECONDS);
                if (closed || message == EventClient.CLOSE) {
                    break;
                }
                out.write((message == null ? ": keep-alive\n\n" : message).getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            store.unsubscribe(client);
            clients.remove(client);
        }
    }

    private static String event(String type, JsonNode data) {
        // JSON has no raw newlines, so one data: line carries it.
        return "event: " + type + "\ndata: " + new String(Json.toBytes(data), StandardCharsets.UTF_8) + "\n\n";
    }

    /** A browser's event stream: changes queue here until its handler thread writes them. */
    private final class EventClient implements ModelStore.Listener {
        static final String CLOSE = "";
        final BlockingQueue<String> queue = new ArrayBlockingQueue<>(CLIENT_QUEUE);

        /** Called under the store's lock, so the resync snapshot below is consistent. */
        @Override
        public void onChange(String type, ObjectNode payload) {
            if (!queue.offer(event(type, payload))) {
                // Too slow to keep up: drop what is queued and start it over from a fresh snapshot.
                queue.clear();
                ObjectNode snapshot = store.snapshot();
                snapshot.set("feed", feed.state());
                snapshot.set("source", source);
                queue.offer(event("snapshot", snapshot));
            }
        }
    }

    private static void send(HttpExchange ex, int status, String type, String body, boolean head) throws IOException {
        send(ex, status, type, body.getBytes(StandardCharsets.UTF_8), head);
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body, boolean head) throws IOException {
        Headers h = ex.getResponseHeaders();
        h.set("Content-Type", type);
        h.set("Cache-Control", "no-cache");
        h.set("X-Content-Type-Options", "nosniff");
        h.set("Referrer-Policy", "no-referrer");
        h.set("Content-Security-Policy", CSP);
        if (head) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    private static String decode(String segment) {
        return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String contentType(String name) {
        if (name.endsWith(".html")) {
            return "text/html; charset=utf-8";
        }
        if (name.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        }
        if (name.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        if (name.endsWith(".svg")) {
            return "image/svg+xml";
        }
        return "application/octet-stream";
    }

    private static byte[] resource(String name) {
        try (InputStream in = DashboardServer.class.getResourceAsStream("/dashboard/" + name)) {
            if (in == null) {
                throw new IllegalStateException("dashboard resource missing from the classpath: /dashboard/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops serving (open event streams end) and stops the feed. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (EventClient c : clients) {
            c.queue.clear();
            c.queue.offer(EventClient.CLOSE);
        }
        http.stop(0);
        executor.shutdownNow();
        feed.close();
    }
}
