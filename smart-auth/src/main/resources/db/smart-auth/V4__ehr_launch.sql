-- EHR launch contexts (SMART App Launch 2.2 "launch-ehr"): an EHR mints an opaque launch id bound to
-- the patient (and encounter) on its screen; the app passes it back in the authorization request.
-- Only a SHA-256 of the id is stored; rows expire after minutes.
CREATE TABLE ehr_launch (
    id_hash             BYTEA        PRIMARY KEY,
    patient             VARCHAR(64)  NOT NULL,
    encounter           VARCHAR(64),
    client_id           VARCHAR(100),            -- the app it is for, if the EHR named one
    need_patient_banner BOOLEAN      NOT NULL,
    smart_style_url     VARCHAR(500),
    fhir_context        TEXT,                    -- JSON array of references
    created_by          VARCHAR(100) NOT NULL,   -- the EHR's client id
    created_at          TIMESTAMPTZ  NOT NULL,
    expires_at          TIMESTAMPTZ  NOT NULL
);
CREATE INDEX ehr_launch_expires_idx ON ehr_launch (expires_at);
