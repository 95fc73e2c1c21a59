package org.securefhir.auth.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.securefhir.auth.support.TestDatabase;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The per-node memory of active access tokens against a real PostgreSQL: whatever changes an
 * authorization row (another node's revocation endpoint, an administrator's SQL, a deletion) makes
 * the token inactive here within a second, through the table's trigger and the LISTEN connection;
 * while the listener is not known to be listening nothing remembered is used; the status query itself
 * finds its row through an index, among many authorizations.
 */
class AccessTokenStatusIT {

    private static final Duration BOUND = Duration.ofSeconds(1);

    private final JdbcTemplate jdbc = TestDatabase.jdbc();
    private final AccessTokenStatus status =
            AccessTokenStatus.cached(TestDatabase.dataSource(), jdbc, Clock.systemUTC());

    @AfterEach
    void close() throws Exception {
        status.close();
    }

    @Test
    void isActiveWhenAnotherNodeRevokesTheTokenThenInactiveWithinOneSecond() throws Exception {
        String token = issued();
        awaitListening();
        assertThat(status.isActive(token)).isTrue();
        assertThat(status.remembered()).isEqualTo(1); // the next answer comes from memory

        // another node's revocation endpoint marks the token invalidated (Spring Authorization Server's form)
        Instant revokedAt = Instant.now();
        invalidateInDatabase(token);

        assertThat(inactiveWithin(token, BOUND)).isTrue();
        assertThat(Duration.between(revokedAt, Instant.now())).isLessThan(BOUND);
    }

    @Test
    void isActiveWhenTheAuthorizationIsDeletedThenInactiveWithinOneSecond() throws Exception {
        String token = issued();
        awaitListening();
        assertThat(status.isActive(token)).isTrue();

        jdbc.update(
                "DELETE FROM smart_auth.oauth2_authorization WHERE access_token_value = ?",
                RefreshTokenRotation.storedForm(token));

        assertThat(inactiveWithin(token, BOUND)).isTrue();
    }

    @Test
    void isActiveWhenChangedOnThisNodeThenInactiveAtOnce() throws Exception {
        String token = issued();
        awaitListening();
        assertThat(status.isActive(token)).isTrue();

        invalidateInDatabase(token);
        status.changed(RefreshTokenRotation.storedForm(token)); // what RefreshTokenRotation tells it

        assertThat(status.isActive(token)).isFalse();
    }

    @Test
    void isActiveWhenTheListenerIsNotListeningThenEveryAnswerComesFromTheDatabase() throws Exception {
        String token = issued();
        try (AccessTokenStatus deaf = new AccessTokenStatus(jdbc, Clock.systemUTC(), () -> false)) {
            assertThat(deaf.isActive(token)).isTrue();
            assertThat(deaf.remembered()).isZero();

            invalidateInDatabase(token);

            assertThat(deaf.isActive(token)).isFalse();
        }
    }

    @Test
    void isActiveWhenExpiredOrUnknownThenInactiveAndNotRemembered() throws Exception {
        awaitListening();
        String expired = issued(Instant.now().minusSeconds(1));

        assertThat(status.isActive(expired)).isFalse();
        assertThat(status.isActive("never-issued-" + UUID.randomUUID())).isFalse();
        assertThat(status.remembered()).isZero();
    }

    @Test
    void isActiveWhenManyAuthorizationsAreStoredThenItsQueryFindsTheRowThroughAnIndex() {
        String token = issued();
        JsonNode plan = TestDatabase.transactions().execute(tx -> {
            tx.setRollbackOnly(); // the 50,000 authorizations are only there for the planner
            jdbc.update("INSERT INTO smart_auth.oauth2_authorization (id, registered_client_id, principal_name,"
                    + " authorization_grant_type, access_token_value, access_token_issued_at,"
                    + " access_token_expires_at, access_token_metadata, access_token_type, attributes)"
                    + " SELECT gen_random_uuid()::text, 'client', 'someone', 'authorization_code',"
                    + " md5(g::text) || md5((g + 1)::text), now() - interval '1 minute', now() + interval '5 minutes',"
                    + " '{\"metadata.token.invalidated\":false}', 'Bearer', repeat('a', 500)"
                    + " FROM generate_series(1, 50000) g");
            jdbc.execute("ANALYZE smart_auth.oauth2_authorization");
            assertThat(jdbc.queryForObject(
                            "SELECT relpages FROM pg_class WHERE oid = 'smart_auth.oauth2_authorization'::regclass",
                            Long.class))
                    .isGreaterThan(1_000L);
            String json = jdbc.queryForObject(
                    "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + AccessTokenStatus.ACTIVE,
                    String.class,
                    RefreshTokenRotation.storedForm(token),
                    Timestamp.from(Instant.now()),
                    AccessTokenStatus.INVALIDATED);
            try {
                return new ObjectMapper().readTree(json).get(0).get("Plan");
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(plan.path("Actual Rows").asLong()).as("%s", plan).isEqualTo(1);
        assertThat(plan.path("Node Type").asText()).as("%s", plan).isNotEqualTo("Seq Scan");
        long touched = plan.path("Shared Hit Blocks").asLong()
                + plan.path("Shared Read Blocks").asLong();
        assertThat(touched).as("%s", plan).isLessThan(10);
    }

    /** What Spring Authorization Server's revocation writes (here or on another node). */
    private void invalidateInDatabase(String token) {
        jdbc.update(
                "UPDATE smart_auth.oauth2_authorization SET access_token_metadata = ? WHERE access_token_value = ?",
                "{\"metadata.token.invalidated\":true}",
                RefreshTokenRotation.storedForm(token));
    }

    private boolean inactiveWithin(String token, Duration bound) throws InterruptedException {
        Instant until = Instant.now().plus(bound);
        while (Instant.now().isBefore(until)) {
            if (!status.isActive(token)) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    /** The listener has connected and polled (before that, nothing is remembered). */
    private void awaitListening() throws InterruptedException {
        String probe = issued();
        Instant until = Instant.now().plusSeconds(10);
        while (status.remembered() == 0 && Instant.now().isBefore(until)) {
            status.isActive(probe);
            Thread.sleep(20);
        }
        assertThat(status.remembered()).as("listener started").isPositive();
        status.changed(RefreshTokenRotation.storedForm(probe));
    }

    private String issued() {
        return issued(Instant.now().plus(Duration.ofMinutes(5)));
    }

    private String issued(Instant expiresAt) {
        String token = "token-" + UUID.randomUUID();
        jdbc.update(
                "INSERT INTO smart_auth.oauth2_authorization (id, registered_client_id, principal_name,"
                        + " authorization_grant_type, access_token_value, access_token_issued_at,"
                        + " access_token_expires_at, access_token_metadata, access_token_type)"
                        + " VALUES (?, 'client', 'someone', 'client_credentials', ?, ?, ?, ?, 'Bearer')",
                UUID.randomUUID().toString(),
                RefreshTokenRotation.storedForm(token),
                Timestamp.from(Instant.now().minusSeconds(10)),
                Timestamp.from(expiresAt),
                "{\"metadata.token.invalidated\":false}");
        return token;
    }
}
