package org.securefhir.server.audit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.securefhir.server.database.SchemaMigration;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The audit trail's own schema ({@code audit}, migrations {@code db/audit}), apart from
 * clinical data and owned by a role nobody logs in as: an append-only record table whose rows the
 * database itself refuses to change (UPDATE and TRUNCATE always; DELETE only inside the purge
 * function, which records a signed watermark), the signed checkpoints of each node's hash chain,
 * the purge watermarks, and the write intents. The server's own login role may append and read,
 * never remove; {@link #problems} says where a database grants it more.
 */
final class AuditSchema {

    static final int VERSION = 2;
    static final String OWNER_ROLE = "securefhir_audit";
    private static final Pattern ROLE = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private AuditSchema() {}

    /**
     * Creates or upgrades the schema with its Flyway migrations ({@code db/audit}); {@code admin} is
     * a connection of a role that may create roles and schemas (never the server's login role,
     * unless that is a superuser in development). The callback run after every migration applies
     * the minimum retention and the app role's privileges, so a changed setting takes effect at
     * the next start.
     */
    static SchemaMigration migration(DataSource admin, String appRole, Duration minRetention) {
        if (!ROLE.matcher(appRole).matches()) {
            throw new IllegalStateException("The database login role must be a plain lower-case name to set up"
                    + " the audit schema; run the scripts of db/audit yourself (docs/audit.md)");
        }
        String retention = minRetention.isZero() ? "infinity" : minRetention.toSeconds() + " seconds";
        return SchemaMigration.flyway(
                SchemaMigration.AUDIT,
                "audit",
                admin,
                Map.of("owner_role", OWNER_ROLE, "app_role", appRole, "min_retention", retention));
    }

    /** The role the server is logged in as. */
    static String currentRole(JdbcTemplate app) {
        return app.queryForObject("SELECT current_user", String.class).toLowerCase(Locale.ROOT);
    }

    static boolean isSuperuser(JdbcTemplate app) {
        return Boolean.TRUE.equals(
                app.queryForObject("SELECT rolsuper FROM pg_roles WHERE rolname = current_user", Boolean.class));
    }

    /**
     * What is wrong with the schema as seen from the server's login role: missing or older than
     * this version, or the role could remove or rewrite records (owner of a table, of the schema or
     * of the trigger and purge functions; DELETE, UPDATE, TRUNCATE; INSERT into the watermarks; a
     * change of the minimum retention). Empty when the separation holds.
     */
    static List<String> problems(JdbcTemplate app) {
        List<String> problems = new ArrayList<>();
        Integer version = app.queryForObject(
                "SELECT CASE WHEN to_regclass('audit.policy') IS NULL THEN 0"
                        + " ELSE (SELECT coalesce(max(version), 0) FROM audit.policy) END",
                Integer.class);
        if (version == null || version < VERSION) {
            problems.add("the audit schema is missing or older than version " + VERSION);
            return problems;
        }
        for (String table : new String[] {"record", "checkpoint", "purge"}) {
            String name = "audit." + table;
            Boolean owner = app.queryForObject(
                    "SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c WHERE c.oid = to_regclass(?)",
                    Boolean.class,
                    name);
            if (Boolean.TRUE.equals(owner)) {
                problems.add("the login role owns " + name);
            }
            for (String privilege : new String[] {"DELETE", "UPDATE", "TRUNCATE"}) {
                if (Boolean.TRUE.equals(app.queryForObject(
                        "SELECT has_table_privilege(current_user, ?, ?)", Boolean.class, name, privilege))) {
                    problems.add("the login role may " + privilege + " " + name);
                }
            }
        }
        if (Boolean.TRUE.equals(app.queryForObject(
                "SELECT has_table_privilege(current_user, 'audit.purge', 'INSERT')", Boolean.class))) {
            problems.add("the login role may INSERT into audit.purge");
        }
        // the minimum retention the purge function enforces
        if (Boolean.TRUE.equals(app.queryForObject(
                "SELECT has_table_privilege(current_user, 'audit.policy', 'INSERT, UPDATE, DELETE, TRUNCATE')",
                Boolean.class))) {
            problems.add("the login role may change audit.policy");
        }
        // whoever owns the schema or the trigger and purge functions could replace them
        if (Boolean.TRUE.equals(app.queryForObject(
                "SELECT pg_has_role(current_user, nspowner, 'USAGE') FROM pg_namespace WHERE nspname = 'audit'",
                Boolean.class))) {
            problems.add("the login role owns the schema audit");
        }
        List<String> functions = app.queryForList(
                "SELECT p.proname FROM pg_proc p WHERE p.pronamespace = 'audit'::regnamespace"
                        + " AND pg_has_role(current_user, p.proowner, 'USAGE') ORDER BY 1",
                String.class);
        functions.forEach(function -> problems.add("the login role owns audit." + function + "()"));
        return problems;
    }
}
