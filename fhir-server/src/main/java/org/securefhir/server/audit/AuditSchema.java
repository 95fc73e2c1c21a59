package org.securefhir.server.audit;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The audit trail's own schema ({@code audit}), apart from clinical data: an append-only record table
 * whose rows the database itself refuses to change (UPDATE and TRUNCATE always; DELETE except on the
 * audited retention path, which sets {@code audit.purge} for its transaction), and the signed
 * checkpoints of each node's hash chain, and the purge watermarks (where a node's chain resumes after
 * retention removed its oldest records).
 */
final class AuditSchema {

    private AuditSchema() {}

    static void create(JdbcTemplate jdbc) {
        jdbc.execute("CREATE SCHEMA IF NOT EXISTS audit");
        jdbc.execute("""
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
                  UNIQUE (node, node_seq))""");
        jdbc.execute("CREATE INDEX IF NOT EXISTS record_recorded ON audit.record (recorded)");
        jdbc.execute("CREATE INDEX IF NOT EXISTS record_patients ON audit.record USING gin (patients)");
        jdbc.execute("CREATE INDEX IF NOT EXISTS record_user ON audit.record (user_id, recorded)");
        jdbc.execute("""
                CREATE TABLE IF NOT EXISTS audit.checkpoint (
                  node varchar(100) NOT NULL,
                  node_seq bigint NOT NULL,
                  hash bytea NOT NULL,
                  mac bytea NOT NULL,
                  created timestamptz NOT NULL,
                  PRIMARY KEY (node, node_seq))""");
        jdbc.execute("""
                CREATE TABLE IF NOT EXISTS audit.purge (
                  node varchar(100) NOT NULL,
                  up_to_seq bigint NOT NULL,
                  last_hash bytea NOT NULL,
                  purged_before timestamptz NOT NULL,
                  purged_at timestamptz NOT NULL,
                  PRIMARY KEY (node, up_to_seq))""");
        // where each forwarding destination has got to (updated, so not append-only)
        jdbc.execute("""
                CREATE TABLE IF NOT EXISTS audit.forward_cursor (
                  name varchar(100) PRIMARY KEY,
                  last_id bigint NOT NULL)""");
        jdbc.execute("""
                CREATE OR REPLACE FUNCTION audit.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF TG_OP = 'DELETE' AND current_setting('audit.purge', true) = 'on' THEN
                    RETURN OLD;
                  END IF;
                  RAISE EXCEPTION 'audit records are append-only (% refused)', TG_OP
                    USING ERRCODE = 'insufficient_privilege';
                END $$""");
        // Created only where missing (never dropped and recreated), so that no start-up of any node
        // opens a moment in which the tables would accept changes.
        for (String table : new String[] {"record", "checkpoint", "purge"}) {
            createTriggerIfMissing(jdbc, table, "append_only", "BEFORE UPDATE OR DELETE", "ROW");
            createTriggerIfMissing(jdbc, table, "no_truncate", "BEFORE TRUNCATE", "STATEMENT");
        }
    }

    private static void createTriggerIfMissing(
            JdbcTemplate jdbc, String table, String name, String when, String level) {
        jdbc.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = '" + name
                + "' AND tgrelid = 'audit." + table + "'::regclass) THEN CREATE TRIGGER " + name + " " + when
                + " ON audit." + table + " FOR EACH " + level
                + " EXECUTE FUNCTION audit.refuse_change(); END IF; END $$");
    }
}
