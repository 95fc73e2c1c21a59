package org.securefhir.auth.demo;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.securefhir.auth.client.ClientKeys;
import org.securefhir.auth.client.ClientRoles;
import org.securefhir.auth.client.ClientSecretEncoder;
import org.securefhir.auth.mfa.Base32;
import org.securefhir.auth.mfa.TotpService;
import org.securefhir.auth.smart.SmartConfiguration;
import org.securefhir.auth.user.NewUser;
import org.securefhir.auth.user.Role;
import org.securefhir.auth.user.UserAccount;
import org.securefhir.auth.user.UserAccounts;
import org.securefhir.smart.Sha256;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.settings.ClientSettings;
import org.springframework.security.oauth2.server.authorization.settings.TokenSettings;
import org.springframework.stereotype.Component;

/**
 * DEMO DATA, for the default embedded run only (never in {@code prod}, which refuses
 * {@code smart.auth.demo=true}): one user per role with a published password and TOTP secret, and
 * demo client registrations. Everything is listed in {@code docs/demo-accounts.md}; the values here
 * and there must match. Existing users and clients are left as they are.
 */
@Component
@ConditionalOnProperty(name = "smart.auth.demo", havingValue = "true")
public final class DemoData implements ApplicationListener<ApplicationReadyEvent> {

    /** A demo user: fhirUser ids match the demo FHIR resources the FHIR server seeds. */
    public record DemoUser(String username, String password, Role role, Optional<String> fhirUser) {

        /** The published TOTP secret: derived from the user name, so docs and code agree. */
        public String totpSecretBase32() {
            return Base32.encode(secret(username));
        }
    }

    public static final List<DemoUser> USERS = List.of(
            new DemoUser(
                    "dr.demo",
                    "Demo physician passphrase 1",
                    Role.PHYSICIAN,
                    Optional.of("Practitioner/demo-physician")),
            new DemoUser("nurse.demo", "Demo nurse passphrase 2", Role.NURSE, Optional.of("Practitioner/demo-nurse")),
            new DemoUser("frontdesk.demo", "Demo front desk passphrase 3", Role.FRONT_DESK, Optional.empty()),
            new DemoUser("billing.demo", "Demo billing passphrase 4", Role.BILLING, Optional.empty()),
            new DemoUser("auditor.demo", "Demo auditor passphrase 5", Role.AUDITOR, Optional.empty()),
            new DemoUser("admin.demo", "Demo administrator passphrase 6", Role.ADMIN, Optional.empty()),
            new DemoUser(
                    "patient.demo", "Demo patient passphrase 7", Role.PATIENT, Optional.of("Patient/demo-patient")));

    public static final String PUBLIC_CLIENT_ID = "demo-public-app";
    public static final String CONFIDENTIAL_CLIENT_ID = "demo-confidential-app";
    public static final String CONFIDENTIAL_CLIENT_SECRET = "demo-confidential-secret-NOT-FOR-PRODUCTION";
    public static final String BACKEND_CLIENT_ID = "demo-backend-service";
    public static final String BACKEND_CLIENT_SECRET = "demo-backend-secret-NOT-FOR-PRODUCTION-0001";
    public static final String BACKEND_JWT_CLIENT_ID = "demo-backend-jwt";
    /** The access-policy role of the demo backend services (an EHR's interface engine). */
    public static final String INTEGRATION_ROLE = "integration";
    /**
     * Public half of the demo backend service's ES384 key; its private JWK is published in
     * docs/demo-accounts.md, so this client exists in demo mode only.
     */
    public static final String BACKEND_JWT_PUBLIC_JWKS =
            "{\"keys\":[{\"kty\":\"EC\",\"use\":\"sig\",\"crv\":\"P-384\",\"kid\":\"demo-backend-jwt-key-1\",\"x\":\"9vzr53s7_EnwOJoarWtN7ViD8jHNB-u7vvaozCd3go7TEQXgLZ25YpKamyR1dMmr\",\"y\":\"rj3WCq8vWlUfVF2lUpUvu2F5XxzOsyKOyN4J6NsHzWp8T8WGAk5VmV7H-w5qrCrC\",\"alg\":\"ES384\"}]}";

    public static final List<String> REDIRECT_URIS =
            List.of("http://127.0.0.1:9000/callback", "http://localhost:9000/callback");

    private static final Logger log = LoggerFactory.getLogger(DemoData.class);

    private final UserAccounts users;
    private final TotpService totp;
    private final RegisteredClientRepository clients;
    private final ClientSecretEncoder clientSecrets = new ClientSecretEncoder();

    DemoData(UserAccounts users, TotpService totp, RegisteredClientRepository clients) {
        this.users = users;
        this.totp = totp;
        this.clients = clients;
    }

    /**
     * Writes the demo clients at once (cheap), and seeds the demo users in the background: hashing
     * seven passwords with Argon2id costs about a second, not worth delaying readiness for.
     */
    @Override
    public void onApplicationEvent(ApplicationReadyEvent event) {
        seedClients();
        Thread seeder = new Thread(this::seedUsers, "demo-data");
        seeder.setDaemon(true);
        seeder.start();
    }

    void seedUsers() {
        int created = 0;
        for (DemoUser demo : USERS) {
            if (users.findByUsername(demo.username()).isEmpty()) {
                UserAccount user = users.create(
                        new NewUser(demo.username(), displayName(demo), demo.fhirUser(), Set.of(demo.role())),
                        demo.password());
                totp.importConfirmed(user.id(), secret(demo.username()));
                created++;
            }
        }
        if (created > 0) {
            log.warn("DEMO MODE: created {} demo users with published passwords (docs/demo-accounts.md)", created);
        }
    }

    void seedClients() {
        // Demo clients are (re)written at every start, so they always match docs/demo-accounts.md.
        clients.save(smartClient(existingId(PUBLIC_CLIENT_ID), PUBLIC_CLIENT_ID, "Demo SMART app (public)")
                .clientAuthenticationMethod(ClientAuthenticationMethod.NONE)
                .build());
        clients.save(
                smartClient(existingId(CONFIDENTIAL_CLIENT_ID), CONFIDENTIAL_CLIENT_ID, "Demo SMART app (confidential)")
                        .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
                        .clientSecret(clientSecrets.encode(CONFIDENTIAL_CLIENT_SECRET))
                        .build());
        clients.save(RegisteredClient.withId(existingId(BACKEND_CLIENT_ID))
                .clientId(BACKEND_CLIENT_ID)
                .clientName("Demo backend service")
                .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
                .clientSecret(clientSecrets.encode(BACKEND_CLIENT_SECRET))
                .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
                .scope("system/*.rs")
                .scope("system/*.read")
                .scope("system/*.cruds") // loading Synthea or an EHR's data (README)
                .scope("system/Patient.cruds")
                .scope("system/Consent.cruds")
                .scope("ehr_launch")
                .clientSettings(ClientRoles.set(ClientSettings.builder(), List.of(INTEGRATION_ROLE))
                        .build())
                .tokenSettings(TokenSettings.builder()
                        .accessTokenTimeToLive(Duration.ofMinutes(5))
                        .build())
                .build());
        clients.save(RegisteredClient.withId(existingId(BACKEND_JWT_CLIENT_ID))
                .clientId(BACKEND_JWT_CLIENT_ID)
                .clientName("Demo backend service (private_key_jwt)")
                .clientAuthenticationMethod(ClientAuthenticationMethod.PRIVATE_KEY_JWT)
                .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
                .scope("system/*.rs")
                .scope("system/*.read")
                .scope("ehr_launch")
                .clientSettings(ClientRoles.set(ClientSettings.builder(), List.of(INTEGRATION_ROLE))
                        .tokenEndpointAuthenticationSigningAlgorithm(SignatureAlgorithm.ES384)
                        .setting(ClientKeys.JWKS_SETTING, ClientKeys.validatePublicJwks(BACKEND_JWT_PUBLIC_JWKS))
                        .build())
                .tokenSettings(TokenSettings.builder()
                        .accessTokenTimeToLive(Duration.ofMinutes(5))
                        .build())
                .build());
    }

    private String existingId(String clientId) {
        RegisteredClient existing = clients.findByClientId(clientId);
        return existing == null ? UUID.randomUUID().toString() : existing.getId();
    }

    private static RegisteredClient.Builder smartClient(String id, String clientId, String name) {
        RegisteredClient.Builder client = RegisteredClient.withId(id)
                .clientId(clientId)
                .clientName(name)
                .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
                .authorizationGrantType(AuthorizationGrantType.REFRESH_TOKEN)
                .clientSettings(ClientSettings.builder()
                        .requireProofKey(true)
                        .requireAuthorizationConsent(true)
                        .build())
                .tokenSettings(TokenSettings.builder()
                        .accessTokenTimeToLive(Duration.ofMinutes(10))
                        .authorizationCodeTimeToLive(Duration.ofMinutes(1))
                        .refreshTokenTimeToLive(Duration.ofDays(90))
                        .reuseRefreshTokens(false)
                        .build());
        REDIRECT_URIS.forEach(client::redirectUri);
        SmartConfiguration.SCOPES.stream()
                .filter(scope -> !scope.startsWith("system/"))
                .forEach(client::scope);
        List.of("patient/Patient.rs", "patient/Observation.rs", "patient/Encounter.rs")
                .forEach(client::scope);
        return client;
    }

    private static String displayName(DemoUser demo) {
        return "Demo " + demo.role().code();
    }

    static byte[] secret(String username) {
        return java.util.Arrays.copyOf(Sha256.of("securefhir demo totp " + username), 20);
    }
}
