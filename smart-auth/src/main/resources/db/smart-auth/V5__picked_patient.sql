-- Patient chosen by a clinician in the patient picker of a standalone launch (launch/patient),
-- bound to the authorization it was chosen for.
CREATE TABLE picked_patient (
    authorization_id VARCHAR(100) PRIMARY KEY,
    patient          VARCHAR(64)  NOT NULL,
    picked_by        VARCHAR(100) NOT NULL,
    picked_at        TIMESTAMPTZ  NOT NULL
);
