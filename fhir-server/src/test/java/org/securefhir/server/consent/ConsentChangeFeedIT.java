package org.securefhir.server.consent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.securefhir.server.support.AbstractFhirServerIT;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The change feed between server nodes, on the real PostgreSQL: a second feed on its own
 * connection stands for another node. A committed change reaches it (normally within
 * milliseconds; the 1 s bound itself is kept by bypassing caches whenever the listener has not
 * heard from the database within it, see CachedConsentFactsTest); a rolled-back one never does.
 */
class ConsentChangeFeedIT extends AbstractFhirServerIT {

    @Autowired
    private DataSource dataSource;

    @Autowired
    private JdbcTemplate jdbc;

    @Autowired
    private PlatformTransactionManager transactions;

    @Test
    void whenChangeCommittedThenOtherNodeHearsWithinOneSecondAndNeverWhenRolledBack() throws Exception {
        // given another node listening
        List<String> heard = new CopyOnWriteArrayList<>();
        try (ConsentChangeFeed otherNode =
                new ConsentChangeFeed(dataSource, jdbc, Clock.systemUTC(), Duration.ofSeconds(1))) {
            otherNode.subscribe(heard::add);
            otherNode.start();
            Instant until = Instant.now().plusSeconds(10);
            while (!otherNode.fresh() && Instant.now().isBefore(until)) {
                Thread.sleep(20);
            }
            assertThat(otherNode.fresh()).isTrue();
            ConsentChangeFeed thisNode =
                    new ConsentChangeFeed(dataSource, jdbc, Clock.systemUTC(), Duration.ofSeconds(1));
            String patient = UUID.randomUUID().toString();
            TransactionTemplate transaction = new TransactionTemplate(transactions);

            // when one change is rolled back and another committed
            transaction.executeWithoutResult(status -> {
                thisNode.publish("p:" + patient + "-rolled-back");
                status.setRollbackOnly();
            });
            transaction.executeWithoutResult(status -> thisNode.publish("p:" + patient));
            Instant committed = Instant.now();

            // then the other node hears the committed one within the bound, and only that one
            while (!heard.contains("p:" + patient)
                    && Duration.between(committed, Instant.now()).toMillis() < 5000) {
                Thread.sleep(5);
            }
            assertThat(heard).contains("p:" + patient);
            Thread.sleep(300);
            assertThat(heard).doesNotContain("p:" + patient + "-rolled-back");
        }
    }
}
