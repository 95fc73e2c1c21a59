package org.securefhir.server.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * Checks that a statement does not scan a table: the statement is executed under {@code EXPLAIN
 * (ANALYZE, BUFFERS)} in a transaction that also filled its tables with many synthetic rows (and
 * analysed them), and the pages it touched are compared with the size of those tables. A plan that
 * reads the table (a sequential scan, or an index scan over the whole range) touches every page; one
 * that finds its rows through a fitting index touches a handful. Everything happens in one
 * administrator transaction that is always rolled back, so the shared database is left as it was.
 */
public final class QueryPlans {

    private static final ObjectMapper JSON = new ObjectMapper();

    private QueryPlans() {}

    /** Work done in a transaction that is rolled back afterwards. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    public static <T> T rolledBack(DataSource administrator, Work<T> work) {
        try (Connection connection = administrator.getConnection()) {
            connection.setAutoCommit(false);
            try {
                return work.run(connection);
            } finally {
                connection.rollback();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Copies the rows of {@code table} matching {@code where} {@code copies} times, every column as it
     * is except {@code changed} (column → SQL expression over the row {@code x} and the copy number
     * {@code g}, e.g. {@code x.res_id + g * 1000000000}): volume for the planner without knowing
     * every column of a table (HAPI's).
     */
    public static void copyRows(
            Connection connection, String table, String where, int copies, Map<String, String> changed)
            throws SQLException {
        String overrides = changed.entrySet().stream()
                .map(e -> "'" + e.getKey() + "', " + e.getValue())
                .collect(Collectors.joining(", "));
        // LATERAL, not (f(...)).*: the latter calls the function once per column
        try (PreparedStatement statement = connection.prepareStatement("INSERT INTO " + table + " SELECT copy.* FROM "
                + table + " x, generate_series(1, ?) g, LATERAL jsonb_populate_record(NULL::" + table
                + ", to_jsonb(x) || jsonb_build_object(" + overrides + ")) copy WHERE " + where)) {
            statement.setInt(1, copies);
            statement.executeUpdate();
        }
    }

    /** Executes one statement (synthetic rows, say). */
    public static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    public static void analyze(Connection connection, String... tables) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (String table : tables) {
                statement.execute("ANALYZE " + table);
            }
        }
    }

    /** Pages of a table (its heap, as the planner's statistics count them). */
    public static long pages(Connection connection, String table) throws SQLException {
        try (PreparedStatement statement =
                connection.prepareStatement("SELECT relpages FROM pg_class WHERE oid = ?::regclass")) {
            statement.setString(1, table);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    /** Executes {@code sql} with its arguments ({@code String[]} as a text array) and returns its plan. */
    public static Plan explain(Connection connection, String sql, Object... arguments) throws SQLException {
        try (PreparedStatement statement =
                connection.prepareStatement("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)) {
            for (int i = 0; i < arguments.length; i++) {
                Object argument = arguments[i];
                if (argument instanceof Object[] values) {
                    Array array = connection.createArrayOf(values instanceof Long[] ? "bigint" : "text", values);
                    statement.setArray(i + 1, array);
                } else {
                    statement.setObject(i + 1, argument);
                }
            }
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                JsonNode root = JSON.readTree(rows.getString(1)).get(0);
                return new Plan(sql, root.get("Plan"));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** An executed plan. */
    public record Plan(String sql, JsonNode root) {

        /** Shared buffers the execution touched (hit or read), functions' inner statements included. */
        public long pagesTouched() {
            return root.path("Shared Hit Blocks").asLong()
                    + root.path("Shared Read Blocks").asLong();
        }

        /** Relations read by a sequential scan anywhere in the plan. */
        public List<String> sequentialScans() {
            List<String> found = new ArrayList<>();
            collect(root, found);
            return found;
        }

        private static void collect(JsonNode node, List<String> found) {
            if ("Seq Scan".equals(node.path("Node Type").asText())) {
                found.add(node.path("Relation Name").asText());
            }
            for (JsonNode child : node.path("Plans")) {
                collect(child, found);
            }
        }

        @Override
        public String toString() {
            return sql + "\n" + root.toPrettyString();
        }
    }
}
