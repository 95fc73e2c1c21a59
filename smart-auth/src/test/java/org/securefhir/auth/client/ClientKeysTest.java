package org.securefhir.auth.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import org.junit.jupiter.api.Test;

class ClientKeysTest {

    @Test
    void validatePublicJwksWhenEs384PublicKeyThenAcceptedAsIs() throws Exception {
        ECKey key = new ECKeyGenerator(Curve.P_384).keyID("k1").generate();

        String stored = ClientKeys.validatePublicJwks(new JWKSet(key.toPublicJWK()).toString());

        assertThat(JWKSet.parse(stored).getKeys()).containsExactly(key.toPublicJWK());
    }

    @Test
    void validatePublicJwksWhenPrivateKeyIncludedThenRefused() throws Exception {
        ECKey key = new ECKeyGenerator(Curve.P_384).keyID("k1").generate();

        assertThatThrownBy(() -> ClientKeys.validatePublicJwks(new JWKSet(key).toString(false)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("public keys only");
    }

    @Test
    void validatePublicJwksWhenWeakOrUnsupportedKeysThenRefused() throws Exception {
        String smallRsa =
                new JWKSet(new RSAKeyGenerator(1024, true).keyID("r").generate().toPublicJWK()).toString();
        String p256 =
                new JWKSet(new ECKeyGenerator(Curve.P_256).keyID("e").generate().toPublicJWK()).toString();
        String noKid = new JWKSet(new ECKeyGenerator(Curve.P_384).generate().toPublicJWK()).toString();

        assertThatThrownBy(() -> ClientKeys.validatePublicJwks(smallRsa)).hasMessageContaining("2048");
        assertThatThrownBy(() -> ClientKeys.validatePublicJwks(p256)).hasMessageContaining("P-384");
        assertThatThrownBy(() -> ClientKeys.validatePublicJwks(noKid)).hasMessageContaining("kid");
        assertThatThrownBy(() -> ClientKeys.validatePublicJwks("{\"keys\":[]}")).hasMessageContaining("no keys");
        assertThatThrownBy(() -> ClientKeys.validatePublicJwks("not json")).hasMessageContaining("not a JWK Set");
    }

    @Test
    void validateJwksUrlWhenNotHttpsThenRefused() {
        assertThat(ClientKeys.validateJwksUrl("https://app.example.org/jwks.json"))
                .isEqualTo("https://app.example.org/jwks.json");
        assertThatThrownBy(() -> ClientKeys.validateJwksUrl("http://app.example.org/jwks.json"))
                .hasMessageContaining("https");
        assertThatThrownBy(() -> ClientKeys.validateJwksUrl("file:///etc/passwd"))
                .hasMessageContaining("https");
    }
}
