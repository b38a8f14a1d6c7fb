package io.meterflow.ingest.validate;

import java.time.LocalDate;

/**
 * Strict RFC 3339 date-time parsing ({@code 2026-11-22T10:15:30.123Z}, {@code 2026-11-22t10:15:30+01:00}): exactly a
 * 4-digit year, a valid calendar date, hours 00-23, seconds 00-59 (no leap second), an optional fraction of any
 * length (truncated to milliseconds) and an offset {@code Z} or {@code ±hh:mm}. Hand-written because it runs once per
 * event and a regex plus {@code DateTimeFormatter} costs several times more (and accepts 5-digit years).
 */
public final class Rfc3339 {

    /** Returned by {@link #parseEpochMillis} for text that is not RFC 3339. */
    public static final long INVALID = Long.MIN_VALUE;

    private Rfc3339() {
    }

    /** Epoch milliseconds of {@code text}, or {@link #INVALID}. */
    public static long parseEpochMillis(String text) {
        int n = text.length();
        if (n < 20) {
            return INVALID;
        }
        int year = digits(text, 0, 4);
        int month = digits(text, 5, 2);
        int day = digits(text, 8, 2);
        int hour = digits(text, 11, 2);
        int minute = digits(text, 14, 2);
        int second = digits(text, 17, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59
                || second < 0 || second > 59
                || text.charAt(4) != '-' || text.charAt(7) != '-' || text.charAt(13) != ':' || text.charAt(16) != ':') {
            return INVALID;
        }
        char t = text.charAt(10);
        if (t != 'T' && t != 't') {
            return INVALID;
        }
        if (day > LocalDate.of(year, month, 1).lengthOfMonth()) {
            return INVALID;
        }
        int i = 19;
        int millis = 0;
        if (text.charAt(i) == '.') {
            i++;
            int start = i;
            while (i < n && isDigit(text.charAt(i))) {
                if (i - start < 3) {
                    millis = millis * 10 + (text.charAt(i) - '0');
                }
                i++;
            }
            int fractionDigits = i - start;
            if (fractionDigits == 0) {
                return INVALID;
            }
            for (int k = fractionDigits; k < 3; k++) {
                millis *= 10;
            }
        }
        if (i >= n) {
            return INVALID;
        }
        int offsetSeconds;
        char z = text.charAt(i);
        if (z == 'Z' || z == 'z') {
            if (i + 1 != n) {
                return INVALID;
            }
            offsetSeconds = 0;
        } else if (z == '+' || z == '-') {
            if (i + 6 != n || text.charAt(i + 3) != ':') {
                return INVALID;
            }
            int oh = digits(text, i + 1, 2);
            int om = digits(text, i + 4, 2);
            if (oh < 0 || oh > 23 || om < 0 || om > 59) {
                return INVALID;
            }
            offsetSeconds = (oh * 3600 + om * 60) * (z == '-' ? -1 : 1);
        } else {
            return INVALID;
        }
        long epochDay = LocalDate.of(year, month, day).toEpochDay();
        long epochSecond = epochDay * 86_400 + hour * 3600L + minute * 60L + second - offsetSeconds;
        return epochSecond * 1000 + millis;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** The number written with exactly {@code count} ASCII digits at {@code from}, or -1. */
    private static int digits(String text, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char c = text.charAt(i);
            if (!isDigit(c)) {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
