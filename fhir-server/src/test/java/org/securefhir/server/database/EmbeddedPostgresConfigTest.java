package org.securefhir.server.database;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.mock.env.MockEnvironment;

class EmbeddedPostgresConfigTest {

    @TempDir
    Path dataDir;

    @Test
    void embeddedPostgresWhenProductionProfileThenRefusesToStart() {
        MockEnvironment environment = new MockEnvironment();
        environment.setActiveProfiles("prod");

        assertThatThrownBy(() -> new EmbeddedPostgresConfig()
                        .embeddedPostgres(new EmbeddedDatabaseProperties(dataDir, 0), environment))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("SPRING_DATASOURCE_URL");
    }
}
