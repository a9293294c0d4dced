package io.sluice.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Base of the end-to-end tests that share one broker and MiniCluster (one TaskManager, two slots) per class. */
abstract class E2eClusterTest {

    static E2eCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = E2eCluster.start(1, 2);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }
}
