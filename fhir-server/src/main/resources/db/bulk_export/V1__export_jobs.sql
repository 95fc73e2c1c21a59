-- Bulk Data exports (docs/bulk-export.md): one row per kick-off, bound to the client and subject
-- of the token that asked for it; its files, sealed with AES-256-GCM under the export's own data
-- key, which is stored only wrapped by a key-encryption key. An export and its files are deleted
-- when they expire (deleting the wrapped key with them). Owned by the server's login role.
CREATE TABLE IF NOT EXISTS bulk_export.job (
  id uuid PRIMARY KEY,
  client_id text NOT NULL,
  subject text NOT NULL,
  status varchar(16) NOT NULL CHECK (status IN ('in-progress', 'completed', 'failed', 'cancelled')),
  transaction_time timestamptz NOT NULL,
  created timestamptz NOT NULL,
  -- touched by the node running it; a job not touched for minutes was interrupted (node stopped)
  heartbeat timestamptz NOT NULL,
  finished timestamptz,
  expires timestamptz NOT NULL,
  key_version text NOT NULL,
  wrapped_key bytea NOT NULL,
  -- the kick-off URL (its _typeFilter may hold search criteria), sealed
  request bytea NOT NULL,
  progress text,
  -- why it failed, without values: status code and resource type
  failure text,
  failure_status int);
CREATE INDEX IF NOT EXISTS job_expires ON bulk_export.job (expires);
CREATE INDEX IF NOT EXISTS job_client ON bulk_export.job (client_id, status);

CREATE TABLE IF NOT EXISTS bulk_export.file (
  job_id uuid NOT NULL REFERENCES bulk_export.job (id) ON DELETE CASCADE,
  seq int NOT NULL,
  kind varchar(8) NOT NULL CHECK (kind IN ('output', 'error')),
  resource_type text NOT NULL,
  resource_count int NOT NULL,
  -- NDJSON, sealed
  content bytea NOT NULL,
  -- the patients whose data it holds ("Patient/<id>" lines), sealed: each download is audited with them
  patients bytea NOT NULL,
  PRIMARY KEY (job_id, seq));
