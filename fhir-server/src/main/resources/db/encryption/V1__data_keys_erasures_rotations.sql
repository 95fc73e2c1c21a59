-- Field-level encryption's bookkeeping (docs/encryption.md), owned by the server's login role.
-- Idempotent, so that a database set up before these migrations existed (its tables made at
-- run time) is taken over as it is: Flyway baselines it at version 0 and runs this over it.

-- per-owner data keys, wrapped by a key-encryption key the database does not hold
CREATE TABLE IF NOT EXISTS encryption.data_key (
  owner varchar(200) NOT NULL,
  version int NOT NULL,
  kek_version varchar(100) NOT NULL,
  wrapped bytea NOT NULL,
  created timestamptz NOT NULL,
  PRIMARY KEY (owner, version));
-- a retired key still opens what it sealed, but seals nothing new (rotation)
ALTER TABLE encryption.data_key ADD COLUMN IF NOT EXISTS retired boolean NOT NULL DEFAULT false;
-- an erased key keeps its row without key material (wrapped = NULL), so that its version is never
-- given to a new key (old ciphertexts then fail as erased, not as tampered)
ALTER TABLE encryption.data_key ADD COLUMN IF NOT EXISTS erased timestamptz;
ALTER TABLE encryption.data_key ALTER COLUMN wrapped DROP NOT NULL;

-- crypto-shredding of a patient's keys ($erase-keys)
CREATE TABLE IF NOT EXISTS encryption.erasure (
  owner varchar(200) NOT NULL,
  erased_at timestamptz NOT NULL,
  erased_by varchar(200),
  keys_erased int NOT NULL,
  blind_index_rows int NOT NULL);

-- re-encryption runs (data-key or key-encryption-key rotation), resumed at start-up when cut
CREATE TABLE IF NOT EXISTS encryption.rotation (
  id bigserial PRIMARY KEY,
  reason varchar(200) NOT NULL,
  started timestamptz NOT NULL,
  total_versions bigint NOT NULL DEFAULT 0,
  done_versions bigint NOT NULL DEFAULT 0,
  rekeyed bigint NOT NULL DEFAULT 0,
  finished timestamptz,
  keys_erased int NOT NULL DEFAULT 0);
