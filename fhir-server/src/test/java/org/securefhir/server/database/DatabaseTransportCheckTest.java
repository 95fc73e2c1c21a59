package org.securefhir.server.database;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DatabaseTransportCheckTest {

    @Test
    void whenVerifyFullThenAccepted() {
        assertThatCode(() -> DatabaseTransportCheck.check(
                        "jdbc:postgresql://db.hospital.example:5432/fhir?sslmode=verify-full&sslrootcert=/etc/ca.pem"))
                .doesNotThrowAnyException();
    }

    @Test
    void whenNoTlsOrUnverifiedTlsThenRefused() {
        for (String url : new String[] {
            "jdbc:postgresql://db:5432/fhir",
            "jdbc:postgresql://db:5432/fhir?sslmode=require",
            "jdbc:postgresql://db:5432/fhir?sslmode=verify-ca",
            "jdbc:postgresql://db:5432/fhir?ssl=true&sslmode=prefer"
        }) {
            assertThatThrownBy(() -> DatabaseTransportCheck.check(url))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("sslmode=verify-full");
        }
    }
}
