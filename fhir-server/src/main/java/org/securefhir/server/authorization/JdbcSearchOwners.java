package org.securefhir.server.authorization;

import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.securefhir.interceptors.authorization.SearchOwners;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Search owners in PostgreSQL (table {@code access_control.search_owner}), shared by every node like HAPI's
 * search results themselves. Rows outlive HAPI's search expiry and are then swept.
 */
final class JdbcSearchOwners implements SearchOwners {

    private static final Duration KEEP = Duration.ofDays(1);

    private final JdbcTemplate jdbc;
    private final Clock clock;

    JdbcSearchOwners(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    @Override
    public void claim(String searchId, String ownerDigest) {
        OffsetDateTime now = OffsetDateTime.now(clock.withZone(ZoneOffset.UTC));
        jdbc.update(
                "INSERT INTO access_control.search_owner (search_id, owner_digest, created) VALUES (?, ?, ?)"
                        + " ON CONFLICT (search_id) DO NOTHING",
                searchId,
                ownerDigest,
                now);
        if (ThreadLocalRandom.current().nextInt(256) == 0) {
            jdbc.update("DELETE FROM access_control.search_owner WHERE created < ?", now.minus(KEEP));
        }
    }

    @Override
    public Optional<String> owner(String searchId) {
        return jdbc
                .query(
                        "SELECT owner_digest FROM access_control.search_owner WHERE search_id = ?",
                        (row, n) -> row.getString(1),
                        searchId)
                .stream()
                .findFirst();
    }
}
