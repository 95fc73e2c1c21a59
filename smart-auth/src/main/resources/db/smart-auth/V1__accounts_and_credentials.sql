-- smart-auth: user accounts and their credentials, in their own schema (never HAPI's tables).

CREATE TABLE user_account (
    id             VARCHAR(64)  PRIMARY KEY,                 -- unique user id, never reused
    username       VARCHAR(128) NOT NULL,
    display_name   VARCHAR(256) NOT NULL,
    fhir_user      VARCHAR(256),                             -- e.g. Practitioner/123 or Patient/456
    password_hash  VARCHAR(512) NOT NULL,                    -- Argon2id, parameters inside the string
    password_set_at TIMESTAMPTZ NOT NULL,
    enabled        BOOLEAN      NOT NULL DEFAULT TRUE,
    created_at     TIMESTAMPTZ  NOT NULL,
    updated_at     TIMESTAMPTZ  NOT NULL
);
CREATE UNIQUE INDEX user_account_username_uq ON user_account (lower(username));

CREATE TABLE user_role (
    user_id VARCHAR(64) NOT NULL REFERENCES user_account (id) ON DELETE CASCADE,
    role    VARCHAR(32) NOT NULL CHECK (role IN ('physician', 'nurse', 'front-desk', 'billing', 'auditor', 'admin', 'patient')),
    PRIMARY KEY (user_id, role)
);

CREATE TABLE password_history (
    user_id       VARCHAR(64)  NOT NULL REFERENCES user_account (id) ON DELETE CASCADE,
    password_hash VARCHAR(512) NOT NULL,
    set_at        TIMESTAMPTZ  NOT NULL
);
CREATE INDEX password_history_user_idx ON password_history (user_id, set_at DESC);

CREATE TABLE mfa_totp (
    user_id          VARCHAR(64) PRIMARY KEY REFERENCES user_account (id) ON DELETE CASCADE,
    secret_encrypted BYTEA       NOT NULL,                   -- AES-256-GCM, user id as associated data
    confirmed        BOOLEAN     NOT NULL DEFAULT FALSE,     -- true once a first code was entered
    last_used_step   BIGINT      NOT NULL DEFAULT -1,        -- RFC 6238 time step of the last accepted code
    created_at       TIMESTAMPTZ NOT NULL
);

CREATE TABLE mfa_recovery_code (
    user_id     VARCHAR(64) NOT NULL REFERENCES user_account (id) ON DELETE CASCADE,
    code_digest CHAR(64)    NOT NULL,                        -- SHA-256 hex of the normalized code
    PRIMARY KEY (user_id, code_digest)
);

-- Failed password or second-factor attempts, for the lockout window. Keyed by the name the client
-- typed, so attempts on unknown names are throttled the same way as on real ones.
CREATE TABLE login_failure (
    username_key VARCHAR(128) NOT NULL,
    failed_at    TIMESTAMPTZ  NOT NULL,
    factor       VARCHAR(16)  NOT NULL CHECK (factor IN ('password', 'totp', 'recovery'))
);
CREATE INDEX login_failure_key_idx ON login_failure (username_key, failed_at);

-- Temporary lockouts after too many failures; also for names that match no account, so that the
-- answer never tells whether an account exists.
CREATE TABLE login_lock (
    username_key VARCHAR(128) PRIMARY KEY,
    locked_until TIMESTAMPTZ  NOT NULL
);
