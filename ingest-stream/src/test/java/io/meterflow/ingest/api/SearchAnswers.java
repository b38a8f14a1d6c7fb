package io.meterflow.ingest.api;

import io.meterflow.http.HttpResponse;
import io.meterflow.ingest.query.EventStatus;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** What {@code POST /v1/events/search} answers for one status, for tests outside this package. */
public final class SearchAnswers {

    private SearchAnswers() {
    }

    /** The 200 body search writes for {@code status} (throws if it could not, which the server answers 500). */
    public static String json(EventStatus status) {
        HttpResponse response = HttpResponse.json(200, List.of(EventJson.item(status, CustomerNames.none())));
        return new String(response.body(), StandardCharsets.UTF_8);
    }
}
