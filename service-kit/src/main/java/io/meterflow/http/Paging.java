package io.meterflow.http;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The paging parameters of Meterflow's list endpoints, as Metronome's API has them: {@code limit} (a page size) and
 * {@code next_page} (an opaque cursor this API gave out: the URL-safe Base64 of the last key of the previous page).
 */
public final class Paging {

    private Paging() {
    }

    /**
     * {@code text} as a page size from 1 to {@code max}, or {@code fallback} when absent.
     *
     * @throws HttpError 400 naming the range, for anything else
     */
    public static int limit(String text, int fallback, int max) {
        if (text == null) {
            return fallback;
        }
        try {
            int limit = Integer.parseInt(text);
            if (limit >= 1 && limit <= max) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw HttpError.badRequest("limit must be an integer from 1 to " + max);
    }

    /**
     * The key after which the page starts, from a {@code next_page} cursor; null for the first page.
     *
     * @throws HttpError 400 when it is not a cursor this API gave out
     */
    public static String after(String nextPage) {
        if (nextPage == null || nextPage.isEmpty()) {
            return null;
        }
        try {
            return new String(Base64.getUrlDecoder().decode(nextPage), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest("next_page is not a cursor this API gave out");
        }
    }

    /** The {@code next_page} cursor of a page whose last key is {@code lastKey}. */
    public static String nextPage(String lastKey) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(lastKey.getBytes(StandardCharsets.UTF_8));
    }
}
