package org.securefhir.server.database;

import javax.sql.DataSource;

/**
 * A connection of a database role that may create roles and schemas, used at start-up only (to set
 * up the audit schema, which the server's own login role must not own). The embedded database has
 * one (its superuser); an external database has one only when configured
 * ({@code audit.schema-admin-username}), otherwise its administrator runs the set-up script.
 */
public record DatabaseAdministrator(DataSource dataSource) {}
