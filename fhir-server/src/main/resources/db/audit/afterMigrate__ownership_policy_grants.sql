-- Run after every migration of the audit schema (a Flyway callback), so that what the server's
-- configuration decides is applied at each start: the minimum retention the purge function enforces,
-- ownership by ${owner_role} of everything in the schema, and exactly the privileges ${app_role}
-- needs. Idempotent; a DBA runs it after the versioned files (placeholders as there).

-- what the purge function may remove; version = the newest migration a node of this release needs
INSERT INTO audit.policy (version, min_retention)
  VALUES (2, CASE WHEN '${min_retention}' = 'infinity' THEN NULL ELSE '${min_retention}'::interval END)
  ON CONFLICT (singleton) DO UPDATE SET version = excluded.version, min_retention = excluded.min_retention;

-- everything in the schema belongs to the owner role (but Flyway's own history, which stays the
-- administrator's): whoever owned the schema, a table or a function could replace or empty it
ALTER SCHEMA audit OWNER TO ${owner_role};
ALTER FUNCTION audit.refuse_change() OWNER TO ${owner_role};
ALTER FUNCTION audit.purge_prefix(varchar, bigint, timestamptz, bytea) OWNER TO ${owner_role};
DO $owners$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.oid::regclass AS name FROM pg_class c
      WHERE c.relnamespace = 'audit'::regnamespace AND c.relkind IN ('r', 'p')
        AND c.relowner <> '${owner_role}'::regrole
        AND c.relname <> 'flyway_schema_history' LOOP
    EXECUTE format('ALTER TABLE %s OWNER TO ${owner_role}', r.name);
  END LOOP;
  FOR r IN SELECT c.oid::regclass AS name FROM pg_class c
      WHERE c.relnamespace = 'audit'::regnamespace AND c.relkind = 'S'
        AND c.relowner <> '${owner_role}'::regrole LOOP
    EXECUTE format('ALTER SEQUENCE %s OWNER TO ${owner_role}', r.name);
  END LOOP;
END $owners$;

-- what the server may do: append and read records and checkpoints, read watermarks, call the
-- purge function; its own bookkeeping tables (forward cursors, write intents) it may change
REVOKE ALL ON SCHEMA audit FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA audit FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA audit FROM ${app_role};
REVOKE ALL ON ALL SEQUENCES IN SCHEMA audit FROM ${app_role};
REVOKE ALL ON FUNCTION audit.purge_prefix(varchar, bigint, timestamptz, bytea) FROM PUBLIC;
GRANT USAGE ON SCHEMA audit TO ${app_role};
GRANT SELECT, INSERT ON audit.record, audit.checkpoint TO ${app_role};
GRANT USAGE ON SEQUENCE audit.record_id_seq TO ${app_role};
GRANT SELECT ON audit.purge, audit.policy TO ${app_role};
GRANT SELECT, INSERT, UPDATE ON audit.forward_cursor TO ${app_role};
-- (UPDATE only because SELECT ... FOR UPDATE SKIP LOCKED requires it: recovery locks what it moves)
GRANT SELECT, INSERT, UPDATE, DELETE ON audit.intent TO ${app_role};
GRANT EXECUTE ON FUNCTION audit.purge_prefix(varchar, bigint, timestamptz, bytea) TO ${app_role};
