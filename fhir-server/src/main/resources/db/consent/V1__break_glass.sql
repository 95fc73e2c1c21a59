-- Consent enforcement's own state (docs/consent.md), owned by the server's login role. Idempotent:
-- a database whose tables were made at run time before these migrations is baselined at 0 and
-- taken over as it is.

-- emergency-access declarations: who, for which patient, why, until when, and their review
CREATE TABLE IF NOT EXISTS consent.break_glass (
  id uuid PRIMARY KEY,
  user_id varchar(200) NOT NULL,
  fhir_user varchar(200),
  client_id varchar(200) NOT NULL,
  patient_id varchar(64) NOT NULL,
  reason_code varchar(64) NOT NULL,
  reason_text varchar(1000) NOT NULL,
  declared_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  reviewed_at timestamptz,
  reviewed_by varchar(200),
  review_note varchar(2000));
CREATE INDEX IF NOT EXISTS break_glass_user ON consent.break_glass (user_id, expires_at);
CREATE INDEX IF NOT EXISTS break_glass_unreviewed ON consent.break_glass (declared_at) WHERE reviewed_at IS NULL;
