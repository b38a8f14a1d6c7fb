package io.meterflow.aliassync;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A fresh alias-sync topology in a test driver for each test. */
abstract class AliasSyncTestBase {

    @TempDir
    Path stateDir;
    AliasSyncDriver app;

    @BeforeEach
    void startTopology() {
        app = new AliasSyncDriver(stateDir);
    }

    @AfterEach
    void closeTopology() {
        app.close();
    }
}
