-- Indexes for the auditors' queries that V1 left to a scan of the whole trail (AuditQueryPlansIT
-- executes every query shape of AuditTrail over many records and checks the pages it touches):
-- "what did this client do" (agent = a client id: the agent criterion is user_id OR client_id, so
-- both sides need an index) and "who touched this resource" (entity = Type/id).
-- On a large existing trail, building them locks out audit writes for the duration: a DBA may build
-- them beforehand with CREATE INDEX CONCURRENTLY under these names, which this script then skips.
CREATE INDEX IF NOT EXISTS record_client ON audit.record (client_id, recorded);
CREATE INDEX IF NOT EXISTS record_resource ON audit.record (resource_type, resource_id);
