package org.securefhir.auth.config;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import javax.crypto.SecretKey;
import org.securefhir.auth.admin.BootstrapAdmin;
import org.securefhir.auth.admin.ClientRegistrations;
import org.securefhir.auth.event.LoggingSecurityEventSink;
import org.securefhir.auth.event.SecurityEventSink;
import org.securefhir.auth.event.SecurityEventStore;
import org.securefhir.auth.keys.Pseudonyms;
import org.securefhir.auth.keys.SecretKeys;
import org.securefhir.auth.keys.SigningKeyRing;
import org.securefhir.auth.keys.SigningKeys;
import org.securefhir.auth.login.LockoutSettings;
import org.securefhir.auth.login.LoginService;
import org.securefhir.auth.mfa.SecretCipher;
import org.securefhir.auth.mfa.TotpService;
import org.securefhir.auth.password.CommonPasswords;
import org.securefhir.auth.password.PasswordHashing;
import org.securefhir.auth.password.PasswordPolicy;
import org.securefhir.auth.password.PasswordPolicySettings;
import org.securefhir.auth.user.UserAccounts;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.transaction.support.TransactionTemplate;

/** The authorization server's services: storage schema, accounts, passwords, second factor, keys. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SmartAuthProperties.class)
public class SmartAuthConfig {

    /**
     * Marker bean: the smart-auth schema has been migrated. The application provides it once it has
     * run {@link org.securefhir.auth.schema.SmartAuthSchema#migrate} with its other schemas' migrations
     * (so that nodes starting together migrate one after the other).
     */
    public record SmartAuthSchemaReady() {}

    @Bean
    @ConditionalOnMissingBean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    SecureRandom secureRandom() {
        return new SecureRandom();
    }

    @Bean
    PasswordEncoder passwordEncoder(SmartAuthProperties properties) {
        SmartAuthProperties.Hashing hashing = properties.hashing();
        return PasswordHashing.argon2id(hashing.memoryKib(), hashing.iterations(), hashing.parallelism());
    }

    @Bean
    SecretCipher secretCipher(SecretKey smartAuthSecretKey, SecureRandom random) {
        return new SecretCipher(smartAuthSecretKey, random);
    }

    /** Keyed pseudonyms of typed user names (login failures, security events). */
    @Bean
    Pseudonyms pseudonyms(SecretKey smartAuthSecretKey) {
        return new Pseudonyms(smartAuthSecretKey);
    }

    /** smart-auth's secret key: configured (production), or a generated development key file. */
    @Bean
    SecretKey smartAuthSecretKey(
            SmartAuthProperties properties, SecureRandom random, @Value("${fhir.data-dir:data}") Path dataDir) {
        SecretKey key;
        if (!properties.secretKeyBase64().isBlank()) {
            key = SecretKeys.fromBase64(properties.secretKeyBase64());
        } else { // only outside 'prod': the application's production guard requires a configured key
            key = SecretKeys.developmentKey(dataDir.resolve("keys").resolve("smart-auth.key"), random);
        }
        return key;
    }

    @Bean
    UserAccounts userAccounts(
            SmartAuthSchemaReady schema,
            JdbcTemplate jdbc,
            TransactionTemplate transactions,
            SmartAuthProperties properties,
            PasswordEncoder passwordEncoder,
            Clock clock) {
        SmartAuthProperties.Passwords rules = properties.passwords();
        PasswordPolicySettings settings = new PasswordPolicySettings(
                rules.minLength(),
                Math.max(128, rules.minLength()),
                rules.history(),
                rules.requireMixedCase(),
                rules.requireDigit(),
                rules.requireSymbol());
        PasswordPolicy policy = new PasswordPolicy(settings, CommonPasswords.bundled(), passwordEncoder);
        return new UserAccounts(jdbc, transactions, policy, passwordEncoder, clock);
    }

    @Bean
    TotpService totpService(
            SmartAuthSchemaReady schema,
            JdbcTemplate jdbc,
            TransactionTemplate transactions,
            SecretCipher cipher,
            SecureRandom random,
            Clock clock,
            SmartAuthProperties properties) {
        return new TotpService(jdbc, transactions, cipher, random, clock, "Secure FHIR", properties.totpWindowSteps());
    }

    /** Security events go to the log and to every durable store (the audit trail, when present). */
    @Bean
    SecurityEventSink securityEventSink(ObjectProvider<SecurityEventStore> stores) {
        LoggingSecurityEventSink log = new LoggingSecurityEventSink();
        List<SecurityEventStore> durable = stores.orderedStream().toList();
        return event -> {
            log.record(event);
            durable.forEach(store -> store.store(event));
        };
    }

    @Bean
    LoginService loginService(
            UserAccounts users,
            TotpService totp,
            JdbcTemplate jdbc,
            SmartAuthProperties properties,
            PasswordEncoder passwordEncoder,
            SecurityEventSink events,
            Clock clock,
            Pseudonyms pseudonyms) {
        SmartAuthProperties.Lockout lockout = properties.lockout();
        return new LoginService(
                users,
                totp,
                jdbc,
                new LockoutSettings(lockout.maxFailures(), lockout.window(), lockout.duration()),
                passwordEncoder,
                events,
                clock,
                pseudonyms);
    }

    @Bean
    SigningKeys signingKeys(
            SmartAuthSchemaReady schema,
            JdbcTemplate jdbc,
            SecretCipher cipher,
            SecureRandom random,
            Clock clock,
            SmartAuthProperties properties) {
        return new SigningKeys(jdbc, cipher, random, clock);
    }

    /** The node's signing keys, rotated on a schedule (every 5 minutes each node checks). */
    @Bean(destroyMethod = "")
    SigningKeyRing signingKeyRing(SigningKeys keys, SmartAuthProperties properties, Clock clock) {
        SmartAuthProperties.SigningKeys settings = properties.signingKeys();
        SigningKeyRing ring = new SigningKeyRing(
                keys, settings.lifetime(), settings.publishedAfterSuccessor(), settings.activation(), clock);
        java.util.concurrent.ScheduledExecutorService rotation =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor(runnable -> {
                    Thread thread = new Thread(runnable, "signing-key-rotation");
                    thread.setDaemon(true);
                    return thread;
                });
        rotation.scheduleWithFixedDelay(
                () -> {
                    try {
                        ring.refresh();
                    } catch (RuntimeException e) {
                        org.slf4j.LoggerFactory.getLogger(SigningKeyRing.class)
                                .error("Signing key rotation failed: {}", e.toString());
                    }
                },
                5,
                5,
                java.util.concurrent.TimeUnit.MINUTES);
        return ring;
    }

    @Bean
    BootstrapAdmin bootstrapAdmin(UserAccounts users, SecurityEventSink events, Clock clock) {
        return new BootstrapAdmin(users, events, clock);
    }

    /** Creates the first administrator, if configured, before the server reports ready. */
    @Bean
    SmartInitializingSingleton bootstrapAdminAtStart(BootstrapAdmin bootstrap, SmartAuthProperties properties) {
        return () -> bootstrap.run(properties.bootstrapAdmin());
    }

    @Bean
    ClientRegistrations clientRegistrations(RegisteredClientRepository clients, SecureRandom random, Clock clock) {
        return new ClientRegistrations(clients, random, clock);
    }
}
