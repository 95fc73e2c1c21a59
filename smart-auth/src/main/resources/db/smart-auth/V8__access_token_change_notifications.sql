-- Resource servers cache "this access token is active" per node (AccessTokenStatus) and must drop
-- the entry within a second of any change to the token's authorization, whoever makes it: the
-- revocation endpoint, a refresh that replaces the token, a family revocation, an administrator, a
-- session's end, or another node. Every update or delete of an authorization row announces the
-- digest of the access token it held on channel securefhir_token (sent when, and only if, the
-- transaction commits); a truncation announces '*' (everything).
CREATE FUNCTION notify_access_token_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('securefhir_token', OLD.access_token_value);
    RETURN NULL;
END
$$;

CREATE TRIGGER oauth2_authorization_access_token_change
    AFTER UPDATE OR DELETE ON oauth2_authorization
    FOR EACH ROW WHEN (OLD.access_token_value IS NOT NULL)
    EXECUTE FUNCTION notify_access_token_change();

CREATE FUNCTION notify_all_access_tokens_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('securefhir_token', '*');
    RETURN NULL;
END
$$;

CREATE TRIGGER oauth2_authorization_truncated
    AFTER TRUNCATE ON oauth2_authorization
    FOR EACH STATEMENT EXECUTE FUNCTION notify_all_access_tokens_changed();
