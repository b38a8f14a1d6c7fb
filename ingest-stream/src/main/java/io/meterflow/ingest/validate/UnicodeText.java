package io.meterflow.ingest.validate;

/**
 * Checks and repairs for text that came from outside: a Java string may hold a lone surrogate (JSON's
 * {@code "\ud800"} decodes to one), which is not Unicode text. Encoded as UTF-8 it becomes {@code ?}, and a JSON
 * writer may refuse it, so such strings are refused as input and repaired before they are quoted back.
 */
public final class UnicodeText {

    private UnicodeText() {
    }

    /** The index of the first lone surrogate in {@code s}, or -1 when it is valid Unicode text. */
    public static int loneSurrogate(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    return i;
                }
            }
        }
        return -1;
    }

    /**
     * {@code s} with every lone surrogate replaced by U+FFFD and cut to at most {@code maxLength} UTF-16 units (ending
     * in "..." when cut; a surrogate pair is never split). Null stays null.
     */
    public static String printable(String s, int maxLength) {
        if (s == null || (s.length() <= maxLength && loneSurrogate(s) < 0)) {
            return s;
        }
        boolean cut = s.length() > maxLength;
        int end = cut ? Math.max(0, maxLength - 3) : s.length();
        if (end > 0 && Character.isHighSurrogate(s.charAt(end - 1))) {
            end--;
        }
        StringBuilder out = new StringBuilder(end + 3);
        for (int i = 0; i < end; i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(s.charAt(i + 1))) {
                out.append(c).append(s.charAt(++i));
            } else {
                out.append(Character.isSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return cut ? out.append("...").toString() : out.toString();
    }
}
