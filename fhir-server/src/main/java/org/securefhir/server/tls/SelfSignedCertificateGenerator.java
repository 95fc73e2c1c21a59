package org.securefhir.server.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Creates the development TLS certificate: a self-signed ECDSA P-256 certificate for
 * {@code localhost}, {@code 127.0.0.1} and {@code ::1}, written as PEM files. The private key file is
 * readable by its owner only. Used only when no certificate is configured and the production profile
 * is not active.
 */
final class SelfSignedCertificateGenerator {

    static final String CERTIFICATE_FILE = "server.crt";
    static final String PRIVATE_KEY_FILE = "server.key";

    private static final Duration VALIDITY = Duration.ofDays(825);

    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    SelfSignedCertificateGenerator(Clock clock) {
        this.clock = clock;
    }

    /** Writes {@code server.crt} and {@code server.key} into {@code directory}. */
    void generate(Path directory) throws IOException, GeneralSecurityException {
        Files.createDirectories(directory);
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), random);
        KeyPair keyPair = generator.generateKeyPair();

        X509CertificateHolder certificate = selfSign(keyPair);
        writeAtomically(
                directory.resolve(PRIVATE_KEY_FILE), pem(new JcaPKCS8Generator(keyPair.getPrivate(), null)), true);
        writeAtomically(directory.resolve(CERTIFICATE_FILE), pem(certificate), false);
    }

    private X509CertificateHolder selfSign(KeyPair keyPair) throws GeneralSecurityException, IOException {
        Instant now = clock.instant();
        X500Name subject = new X500Name("CN=localhost, O=Secure FHIR development certificate");
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                subject,
                new BigInteger(128, random),
                Date.from(now.minus(Duration.ofMinutes(5))),
                Date.from(now.plus(VALIDITY)),
                subject,
                keyPair.getPublic());
        JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        builder.addExtension(
                Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keyPair.getPublic()));
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.dNSName, "localhost"),
            new GeneralName(
                    GeneralName.iPAddress, InetAddress.getLoopbackAddress().getHostAddress()),
            new GeneralName(GeneralName.iPAddress, "::1")
        }));
        try {
            return builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keyPair.getPrivate()));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException("Cannot sign the development certificate", e);
        }
    }

    private static String pem(Object object) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object instanceof JcaPKCS8Generator pkcs8 ? pkcs8.generate() : object);
        }
        return out.toString();
    }

    private static void writeAtomically(Path target, String content, boolean ownerOnly) throws IOException {
        Path temporary =
                Files.createTempFile(target.getParent(), target.getFileName().toString(), ".tmp");
        try {
            if (ownerOnly) {
                restrictToOwner(temporary);
            }
            try (Writer writer = Files.newBufferedWriter(temporary, StandardCharsets.US_ASCII)) {
                writer.write(content);
            }
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    private static void restrictToOwner(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // Non-POSIX file systems: rely on the directory's ACLs.
        }
    }
}
