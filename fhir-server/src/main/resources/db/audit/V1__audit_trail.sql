-- The audit trail's schema (docs/audit.md), version 1 of its migrations. Run as a database
-- administrator (a superuser, or a role with CREATEROLE that may create schemas in this database),
-- never as the application's own login role: the server runs it through Flyway at start-up when it
-- has such a connection (the embedded default, or audit.schema-admin.*); otherwise a DBA runs this
-- file and afterMigrate__ownership_policy_grants.sql with psql after replacing the placeholders:
--   ${owner_role}     the role that owns the audit tables (NOLOGIN; nobody logs in as it)
--   ${app_role}       the role the server logs in as
--   ${min_retention}  (afterMigrate only) the youngest records the purge function may remove, as an
--                     interval literal ('2190 days'), or 'infinity' to refuse every purge
-- Idempotent: tables and triggers are created where missing, never dropped and recreated, so no
-- start-up of any node opens a moment in which the tables would accept changes, and a schema set up
-- before these migrations existed (by the server's former start-up script) is taken over as it is.

DO $roles$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${owner_role}') THEN
    CREATE ROLE ${owner_role} NOLOGIN;
  END IF;
END $roles$;

CREATE SCHEMA IF NOT EXISTS audit AUTHORIZATION ${owner_role};
ALTER SCHEMA audit OWNER TO ${owner_role};

CREATE TABLE IF NOT EXISTS audit.record (
  id bigserial PRIMARY KEY,
  node varchar(100) NOT NULL,
  node_seq bigint NOT NULL,
  recorded timestamptz NOT NULL,
  category varchar(20) NOT NULL,
  subtype varchar(60) NOT NULL,
  action char(1) NOT NULL,
  outcome varchar(2) NOT NULL,
  user_id varchar(200),
  client_id varchar(200),
  resource_type varchar(64),
  resource_id varchar(64),
  patients text[] NOT NULL DEFAULT '{}',
  content text NOT NULL,
  prev_hash bytea NOT NULL,
  hash bytea NOT NULL,
  UNIQUE (node, node_seq));
CREATE INDEX IF NOT EXISTS record_recorded ON audit.record (recorded);
CREATE INDEX IF NOT EXISTS record_patients ON audit.record USING gin (patients);
CREATE INDEX IF NOT EXISTS record_user ON audit.record (user_id, recorded);

-- signed checkpoints of each node's chain head (HMAC under a key the database does not hold)
CREATE TABLE IF NOT EXISTS audit.checkpoint (
  node varchar(100) NOT NULL,
  node_seq bigint NOT NULL,
  hash bytea NOT NULL,
  mac bytea NOT NULL,
  created timestamptz NOT NULL,
  PRIMARY KEY (node, node_seq));

-- purge watermarks: where a node's chain resumes after retention removed its oldest records,
-- signed by the server (mac) so that a watermark written by anyone else is reported
CREATE TABLE IF NOT EXISTS audit.purge (
  node varchar(100) NOT NULL,
  up_to_seq bigint NOT NULL,
  last_hash bytea NOT NULL,
  purged_before timestamptz NOT NULL,
  purged_at timestamptz NOT NULL,
  PRIMARY KEY (node, up_to_seq));
ALTER TABLE audit.purge ADD COLUMN IF NOT EXISTS mac bytea;

-- where each forwarding destination has got to (updated, so not append-only)
CREATE TABLE IF NOT EXISTS audit.forward_cursor (
  name varchar(100) PRIMARY KEY,
  last_id bigint NOT NULL);

-- records of writes, inserted in the same database transaction as the change they describe and
-- removed when the request's own chained record commits; whatever is left (the process died, or
-- the audit store failed, between the two) is moved into the chain by the next recovery pass
CREATE TABLE IF NOT EXISTS audit.intent (
  id uuid PRIMARY KEY,
  node varchar(100) NOT NULL,
  created timestamptz NOT NULL DEFAULT now(),
  content text NOT NULL);
CREATE INDEX IF NOT EXISTS intent_node_created ON audit.intent (node, created);

-- what the purge function may remove, set by whoever runs this script
CREATE TABLE IF NOT EXISTS audit.policy (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  version int NOT NULL,
  min_retention interval);

-- Nothing but the purge function (running as the owner, with audit.purging set by itself) may
-- remove a record; nothing may change or truncate one. Superusers bypass privileges but not
-- these triggers without disabling them, which the chain verification then reports.
CREATE OR REPLACE FUNCTION audit.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'record' AND current_user = '${owner_role}'
     AND current_setting('audit.purging', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit records are append-only (% refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
ALTER FUNCTION audit.refuse_change() OWNER TO ${owner_role};

DO $triggers$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['record', 'checkpoint', 'purge'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'append_only'
                   AND tgrelid = ('audit.' || t)::regclass) THEN
      EXECUTE format('CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON audit.%I'
                     ' FOR EACH ROW EXECUTE FUNCTION audit.refuse_change()', t);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'no_truncate'
                   AND tgrelid = ('audit.' || t)::regclass) THEN
      EXECUTE format('CREATE TRIGGER no_truncate BEFORE TRUNCATE ON audit.%I'
                     ' FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change()', t);
    END IF;
  END LOOP;
END $triggers$;

-- The one way records leave: a node's oldest records, all recorded before the cutoff, the cutoff
-- older than the minimum retention, as a prefix of the chain; the watermark (with the MAC the
-- server computed over node, last sequence number, last hash and cutoff) is written first.
CREATE OR REPLACE FUNCTION audit.purge_prefix(p_node varchar, p_up_to bigint, p_before timestamptz, p_mac bytea)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  keep interval;
  last bytea;
  removed bigint;
BEGIN
  SELECT min_retention INTO keep FROM audit.policy;
  IF keep IS NULL OR p_before > now() - keep THEN
    RAISE EXCEPTION 'audit records younger than the minimum retention cannot be purged'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF EXISTS (SELECT 1 FROM audit.record WHERE node = p_node AND node_seq <= p_up_to AND recorded >= p_before) THEN
    RAISE EXCEPTION 'only records recorded before the cutoff can be purged'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT hash INTO last FROM audit.record WHERE node = p_node AND node_seq = p_up_to;
  IF last IS NULL THEN
    RAISE EXCEPTION 'no such audit record' USING ERRCODE = 'no_data_found';
  END IF;
  INSERT INTO audit.purge (node, up_to_seq, last_hash, purged_before, purged_at, mac)
    VALUES (p_node, p_up_to, last, p_before, now(), p_mac);
  PERFORM set_config('audit.purging', 'on', true);
  DELETE FROM audit.record WHERE node = p_node AND node_seq <= p_up_to;
  GET DIAGNOSTICS removed = ROW_COUNT;
  PERFORM set_config('audit.purging', 'off', true);
  RETURN removed;
END $$;
ALTER FUNCTION audit.purge_prefix(varchar, bigint, timestamptz, bytea) OWNER TO ${owner_role};
