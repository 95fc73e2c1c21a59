-- Login failures and locks are keyed by a keyed pseudonym (HMAC-SHA256, 64 hex digits) of the typed
-- name instead of the name itself (often a mistyped password). Rows keyed the old way are dropped:
-- they are short-lived (the counting window) and would never match again.
DELETE FROM login_failure;
DELETE FROM login_lock;
ALTER TABLE login_failure ALTER COLUMN username_key TYPE CHAR(64);
ALTER TABLE login_lock ALTER COLUMN username_key TYPE CHAR(64);
COMMENT ON COLUMN login_failure.username_key IS 'HMAC-SHA256 pseudonym of the typed user name (Pseudonyms)';
COMMENT ON COLUMN login_failure.factor IS 'password, or a second factor (totp, recovery): counted apart';

-- When an administrator last changed what the user may do (disabled, enabled, roles, second factor
-- reset): login sessions that began before it end at their next request, on every node.
ALTER TABLE user_account ADD COLUMN access_changed_at TIMESTAMPTZ;
