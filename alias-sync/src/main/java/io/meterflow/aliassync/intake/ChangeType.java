package io.meterflow.aliassync.intake;

import io.meterflow.schemas.CustomFieldsSet;
import io.meterflow.schemas.CustomerArchived;
import io.meterflow.schemas.CustomerChange;
import io.meterflow.schemas.CustomerCreated;
import io.meterflow.schemas.IngestAliasesSet;
import io.meterflow.schemas.NameSet;
import java.util.Locale;

/** The kinds of record on {@code customer-changes}, as counted by {@code meterflow.customer.changes}. */
public enum ChangeType {
    CREATED,
    INGEST_ALIASES_SET,
    NAME_SET,
    CUSTOM_FIELDS_SET,
    ARCHIVED,
    /** A record that could not be read as a change. */
    MALFORMED,
    /** A record over {@code alias-sync.max.change.bytes}, refused without being read. */
    OVERSIZED;

    public static ChangeType of(CustomerChange change) {
        Object payload = change.getPayload();
        if (payload instanceof CustomerCreated) {
            return CREATED;
        } else if (payload instanceof IngestAliasesSet) {
            return INGEST_ALIASES_SET;
        } else if (payload instanceof NameSet) {
            return NAME_SET;
        } else if (payload instanceof CustomFieldsSet) {
            return CUSTOM_FIELDS_SET;
        } else if (payload instanceof CustomerArchived) {
            return ARCHIVED;
        }
        throw new IllegalArgumentException("Unknown customer change payload " + payload);
    }

    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
