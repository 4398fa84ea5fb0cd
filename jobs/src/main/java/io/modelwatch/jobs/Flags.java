package io.modelwatch.jobs;

import io.modelwatch.config.ConfigException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Properties;
import java.util.Set;

/**
 * The one flag parser of every command ({@code bin/modelwatch run} and the job jar's arguments,
 * {@code demo}, {@code dashboard}, {@code profile}, {@code bootstrap}, {@code inspect},
 * {@code bench}, and the evaluation's tools), and the rules for their values. A flag takes its
 * value as {@code --flag value} or {@code --flag=value}; a switch takes none. Every mistake is a
 * {@link UsageException}: one line that names the flag.
 */
public final class Flags {
    /** Receives each flag in the order given; {@code value} is null for a switch. */
    @FunctionalInterface
    public interface Handler {
        void accept(String flag, String value);
    }

    private Flags() {}

    /**
     * Hands each flag of {@code args} to {@code handler}, which throws {@link #unknown} for a flag
     * it does not know. Returns false, reading nothing, when {@code --help} is among the args: the
     * command then prints its usage.
     */
    public static boolean parse(String[] args, Set<String> switches, Handler handler) {
        if (Arrays.asList(args).contains("--help")) {
            return false;
        }
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            String value = null;
            int eq = flag.indexOf('=');
            if (flag.startsWith("--") && eq > 0) {
                value = flag.substring(eq + 1);
                flag = flag.substring(0, eq);
            }
            if (!flag.startsWith("--")) {
                throw new UsageException("unexpected argument '" + flag + "'");
            }
            if (switches.contains(flag)) {
                if (value != null) {
                    throw new UsageException(flag + ": takes no value");
                }
                handler.accept(flag, null);
                continue;
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new UsageException(flag + ": needs a value");
                }
                value = args[++i];
            }
            handler.accept(flag, value);
        }
        return true;
    }

    /** The error for a flag the command does not have. */
    public static UsageException unknown(String flag) {
        return new UsageException("unknown option " + flag + " (see --help)");
    }

    public static String nonEmpty(String flag, String v) {
        if (v.isBlank()) {
            throw new UsageException(flag + ": must not be empty");
        }
        return v;
    }

    public static int positiveInt(String flag, String v) {
        return intIn(flag, v, 1, Integer.MAX_VALUE);
    }

    /** A whole number from {@code min} to {@code max}. */
    public static int intIn(String flag, String v, int min, int max) {
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // fall through to the message
        }
        if (max == Integer.MAX_VALUE) {
            throw new UsageException(flag + ": must be " + (min == 1 ? "a positive whole number"
                    : "a whole number of at least " + min) + ", not '" + v + "'");
        }
        throw new UsageException(flag + ": must be a whole number from " + min + " to " + max + ", not '" + v + "'");
    }

    /** Any whole number (the benchmark's sizes, checked by the benchmark itself). */
    public static int integer(String flag, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UsageException(flag + ": not a number: " + v);
        }
    }

    public static long longInteger(String flag, String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new UsageException(flag + ": not a number: " + v);
        }
    }

    public static double decimal(String flag, String v) {
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new UsageException(flag + ": not a number: " + v);
        }
    }

    /**
     * A port to connect to or to expose for scraping ({@code --prometheus-port}): 1 to 65535. A
     * port the command listens on and reports back ({@code dashboard --port}) also takes 0, any
     * free port ({@link #listenPort}); a scrape target cannot be found on a port chosen at random.
     */
    public static int port(String flag, String v) {
        int n = intOrMinusOne(v);
        if (n < 1 || n > 65535) {
            throw new UsageException(flag + ": must be a port number from 1 to 65535, not '" + v + "'");
        }
        return n;
    }

    /** A port the command listens on and prints: 0 to 65535, 0 for any free port. */
    public static int listenPort(String flag, String v) {
        int n = intOrMinusOne(v);
        if (n < 0 || n > 65535) {
            throw new UsageException(flag + ": must be a port number from 0 (any free port) to 65535, not '" + v + "'");
        }
        return n;
    }

    private static int intOrMinusOne(String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** A Java properties file, such as {@code --kafka-properties} (the client's security settings). */
    public static Properties properties(String flag, Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new ConfigException(flag + ": cannot read " + file + ": " + e);
        }
        return p;
    }
}
