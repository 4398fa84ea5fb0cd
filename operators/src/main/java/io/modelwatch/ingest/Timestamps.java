package io.modelwatch.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.DateTimeException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;

/** Event and label times as the input topics give them (docs/topics.md), in epoch milliseconds. */
public final class Timestamps {
    /** ISO-8601 with a zone offset ("Z" or "+01:00"), or epoch milliseconds as a number or string. */
    public static long parse(JsonNode ts) {
        if (ts.isIntegralNumber()) {
            return ts.longValue();
        }
        if (ts.isTextual()) {
            return parse(ts.asText());
        }
        throw new IllegalArgumentException("not a timestamp");
    }

    /** A timestamp given as a JSON string: ISO-8601 with an offset, or epoch milliseconds. */
    public static long parse(String text) {
        String s = text.trim();
        if (!s.isEmpty() && s.length() <= 15 && allDigits(s)) {
            return Long.parseLong(s);
        }
        long common = commonIsoMillis(s);
        if (common != NOT_COMMON) {
            return common;
        }
        try {
            return OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant().toEpochMilli();
        } catch (DateTimeException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static boolean allDigits(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    static final long NOT_COMMON = Long.MIN_VALUE;

    /**
     * The common shapes of an ISO-8601 timestamp, {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}](Z|±HH:MM)},
     * in epoch milliseconds without {@link OffsetDateTime#parse} (a quarter of all parsing time
     * in the benchmark: docs/benchmarks.md). Anything else, or anything out of range, returns
     * {@link #NOT_COMMON} and is left to {@code OffsetDateTime.parse}, so what is accepted and
     * what is rejected is exactly what {@code OffsetDateTime.parse} decides; only the common case is faster. Days past the 28th
     * are left to it too, which keeps month lengths and leap years out of this method.
     */
    static long commonIsoMillis(String s) {
        return commonIsoMillis(s.toCharArray(), 0, s.length());
    }

    /**
     * As {@link #commonIsoMillis(String)}, of the text {@code chars[offset, offset + length)}: the
     * parser reads it from Jackson's buffer without making a String.
     */
    static long commonIsoMillis(char[] chars, int offset, int length) {
        int n = length;
        if (n < 20 || chars[offset + 4] != '-' || chars[offset + 7] != '-' || chars[offset + 10] != 'T'
                || chars[offset + 13] != ':' || chars[offset + 16] != ':') {
            return NOT_COMMON;
        }
        int year = digits(chars, offset, 4);
        int month = digits(chars, offset + 5, 2);
        int day = digits(chars, offset + 8, 2);
        int hour = digits(chars, offset + 11, 2);
        int minute = digits(chars, offset + 14, 2);
        int second = digits(chars, offset + 17, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > 28 || hour < 0 || hour > 23 || minute < 0
                || minute > 59 || second < 0 || second > 59) {
            return NOT_COMMON;
        }
        int i = 19;
        int millis = 0;
        if (chars[offset + i] == '.') {
            int start = ++i;
            while (i < n && chars[offset + i] >= '0' && chars[offset + i] <= '9') {
                if (i - start < 3) {
                    millis = millis * 10 + (chars[offset + i] - '0');
                }
                i++;
            }
            int count = i - start;
            if (count < 1 || count > 9) {
                return NOT_COMMON;
            }
            for (int k = count; k < 3; k++) {
                millis *= 10;
            }
        }
        int offsetSeconds;
        if (i == n - 1 && chars[offset + i] == 'Z') {
            offsetSeconds = 0;
        } else if (i == n - 6 && (chars[offset + i] == '+' || chars[offset + i] == '-') && chars[offset + i + 3] == ':') {
            int oh = digits(chars, offset + i + 1, 2);
            int om = digits(chars, offset + i + 4, 2);
            if (oh < 0 || oh > 17 || om < 0 || om > 59) {
                return NOT_COMMON;
            }
            offsetSeconds = (chars[offset + i] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
        } else {
            return NOT_COMMON;
        }
        long seconds = epochDay(year, month, day) * 86_400L + hour * 3600L + minute * 60L + second - offsetSeconds;
        return seconds * 1000 + millis;
    }

    /** Non-negative value of {@code len} ASCII digits at {@code from}, or -1. */
    private static int digits(char[] s, int from, int len) {
        int v = 0;
        for (int i = from; i < from + len; i++) {
            char c = s[i];
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
    private static long epochDay(int year, int month, int day) {
        int y = month <= 2 ? year - 1 : year;
        int era = Math.floorDiv(y, 400);
        int yoe = y - era * 400;
        int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
        int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146_097L + doe - 719_468;
    }

    private Timestamps() {}
}
