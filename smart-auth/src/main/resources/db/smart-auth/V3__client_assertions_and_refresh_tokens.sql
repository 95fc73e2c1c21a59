-- Client assertions (private_key_jwt): every jti is accepted once per client until it expires.
CREATE TABLE client_assertion_jti (
    client_id  VARCHAR(100) NOT NULL,
    jti        VARCHAR(256) NOT NULL,
    expires_at TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (client_id, jti)
);
CREATE INDEX client_assertion_jti_expires_idx ON client_assertion_jti (expires_at);

-- Refresh tokens already exchanged (rotation): presenting one again revokes its authorization.
-- Only a SHA-256 of the token is kept.
CREATE TABLE refresh_token_used (
    token_hash       BYTEA        PRIMARY KEY,
    authorization_id VARCHAR(100) NOT NULL,
    registered_client_id VARCHAR(100) NOT NULL,
    principal_name   VARCHAR(200) NOT NULL,
    expires_at       TIMESTAMPTZ  NOT NULL
);
CREATE INDEX refresh_token_used_expires_idx ON refresh_token_used (expires_at);
