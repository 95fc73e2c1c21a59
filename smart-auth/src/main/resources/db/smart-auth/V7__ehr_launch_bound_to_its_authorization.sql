-- A launch id is bound to the first authorization that gets tokens with it: that authorization keeps
-- the launch's context for as long as it lives (a refreshed token keeps its patient after the id's
-- minutes have passed), and no other authorization can use the id any more.
ALTER TABLE ehr_launch ADD COLUMN authorization_id VARCHAR(100);
CREATE INDEX ehr_launch_authorization_idx ON ehr_launch (authorization_id);
