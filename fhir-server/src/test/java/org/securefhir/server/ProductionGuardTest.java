package org.securefhir.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.mock.env.MockEnvironment;

class ProductionGuardTest {

    /** What a hospital's production configuration sets. */
    private static MockEnvironment complete() {
        MockEnvironment environment = new MockEnvironment()
                .withProperty("audit.checkpoint-key-base64", "a2V5")
                .withProperty("smart.auth.secret-key-base64", "a2V5")
                .withProperty("crypto.key-encryption-keys.1", "a2V5")
                .withProperty("server.ssl.certificate", "file:/etc/pki/fhir.crt")
                .withProperty(
                        "spring.datasource.url",
                        "jdbc:postgresql://db.hospital.example:5432/fhir?sslmode=verify-full&sslrootcert=/etc/ca.pem");
        environment.setActiveProfiles("prod");
        return environment;
    }

    @Test
    void whenTheApplicationStartsInProductionWithNothingConfiguredThenItStopsBeforeAnyBean(@TempDir Path dataDir) {
        // the guard as the application registers it (META-INF/spring.factories), not called by hand
        assertThatThrownBy(() -> new SpringApplicationBuilder(FhirServerApplication.class)
                        .run("--spring.profiles.active=prod", "--fhir.data-dir=" + dataDir, "--server.port=0"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("The 'prod' profile refuses to start: ")
                .hasMessageContaining("SPRING_DATASOURCE_URL");
        // nothing generated: no certificate, no keys, no database
        assertThat(dataDir).isEmptyDirectory();
    }

    @Test
    void whenProductionIsCompletelyConfiguredThenItStarts() {
        assertThat(ProductionGuard.refusals(complete())).isEmpty();
        assertThatCode(() -> new ProductionGuard().postProcessEnvironment(complete(), new SpringApplication()))
                .doesNotThrowAnyException();
    }

    @Test
    void whenAnySafeguardIsSwitchedOffInProductionThenEachIsNamed() {
        MockEnvironment environment = complete()
                .withProperty("fhir.authorization.enforce", "false")
                .withProperty("consent.enabled", "false")
                .withProperty("audit.enabled", "false")
                .withProperty("crypto.enabled", "false")
                .withProperty("smart.auth.demo", "true");

        assertThat(ProductionGuard.refusals(environment))
                .hasSize(5)
                .anyMatch(refusal -> refusal.startsWith("fhir.authorization.enforce=false"))
                .anyMatch(refusal -> refusal.startsWith("consent.enabled=false"))
                .anyMatch(refusal -> refusal.startsWith("audit.enabled=false"))
                .anyMatch(refusal -> refusal.startsWith("crypto.enabled=false"))
                .anyMatch(refusal -> refusal.startsWith("smart.auth.demo=true"));
    }

    @Test
    void whenNothingIsConfiguredInProductionThenEveryMissingPieceIsNamedInOneMessage() {
        MockEnvironment environment = new MockEnvironment();
        environment.setActiveProfiles("prod");

        assertThat(ProductionGuard.refusals(environment))
                .hasSize(5)
                .anyMatch(refusal -> refusal.startsWith("audit.checkpoint-key-base64 is required"))
                .anyMatch(refusal -> refusal.startsWith("smart.auth.secret-key-base64 is required"))
                .anyMatch(refusal -> refusal.startsWith("a key-encryption key is required"))
                .anyMatch(refusal -> refusal.startsWith("a configured TLS certificate is required"))
                .anyMatch(refusal -> refusal.contains("SPRING_DATASOURCE_URL"));
        assertThatThrownBy(() -> new ProductionGuard().postProcessEnvironment(environment, new SpringApplication()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("The 'prod' profile refuses to start: ")
                .hasMessageContaining("audit.checkpoint-key-base64")
                .hasMessageContaining("SPRING_DATASOURCE_URL");
    }

    @Test
    void whenTheDatabaseConnectionIsNotVerifiedTlsThenProductionRefusesIt() {
        for (String url : new String[] {
            "jdbc:postgresql://db:5432/fhir",
            "jdbc:postgresql://db:5432/fhir?sslmode=require",
            "jdbc:postgresql://db:5432/fhir?sslmode=verify-ca",
            "jdbc:postgresql://db:5432/fhir?ssl=true&sslmode=prefer",
            "jdbc:postgresql://db:5432/fhir?sslmode=verify-full&sslmode=disable"
        }) {
            assertThat(ProductionGuard.refusals(complete().withProperty("spring.datasource.url", url)))
                    .as(url)
                    .singleElement()
                    .asString()
                    .contains("sslmode=verify-full");
        }
    }

    @Test
    void whenTheKeysComeFromEnvironmentVariablesThenTheyCount() {
        StandardEnvironment environment = new StandardEnvironment();
        environment
                .getPropertySources()
                .addFirst(new MapPropertySource(
                        "tls",
                        Map.of(
                                "server.ssl.key-store", "file:/etc/pki/fhir.p12",
                                "spring.datasource.url", "jdbc:postgresql://db/fhir?sslmode=verify-full")));
        environment
                .getPropertySources()
                .replace(
                        StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        new SystemEnvironmentPropertySource(
                                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                                Map.of(
                                        "AUDIT_CHECKPOINTKEYBASE64", "a2V5",
                                        "SMART_AUTH_SECRETKEYBASE64", "a2V5",
                                        "CRYPTO_KEYENCRYPTIONKEYS_1", "a2V5")));
        org.springframework.boot.context.properties.source.ConfigurationPropertySources.attach(environment);
        environment.setActiveProfiles("prod");

        assertThat(ProductionGuard.refusals(environment)).isEmpty();
    }

    @Test
    void whenNotInProductionThenBenchmarkSwitchesAndGeneratedKeysAreAllowed() {
        MockEnvironment development =
                new MockEnvironment().withProperty("audit.enabled", "false").withProperty("smart.auth.demo", "true");

        assertThatCode(() -> new ProductionGuard().postProcessEnvironment(development, new SpringApplication()))
                .doesNotThrowAnyException();
        assertThatCode(() -> ProductionGuard.refuseSuperuserLogin(development, true))
                .doesNotThrowAnyException();
    }

    @Test
    void whenProductionLogsInAsASuperuserThenItIsRefused() {
        assertThatThrownBy(() -> ProductionGuard.refuseSuperuserLogin(complete(), true))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("refuses a superuser database login");
        assertThatCode(() -> ProductionGuard.refuseSuperuserLogin(complete(), false))
                .doesNotThrowAnyException();
    }
}
