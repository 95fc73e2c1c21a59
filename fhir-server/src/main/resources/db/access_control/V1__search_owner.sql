-- Paging links bound to the user and app that ran the search (docs/access-control.md): a page of
-- results is handed only to the owner digest recorded when the search ran. Owned by the server's
-- login role.
CREATE TABLE IF NOT EXISTS access_control.search_owner (
  search_id varchar(100) PRIMARY KEY,
  owner_digest char(64) NOT NULL,
  created timestamptz NOT NULL);
CREATE INDEX IF NOT EXISTS search_owner_created ON access_control.search_owner (created);

-- Before these migrations the table lived in HAPI's schema (public.fhir_search_owner): its live
-- bindings are kept, so that no paging link of a running search loses its owner, and it is dropped.
DO $moved$ BEGIN
  IF to_regclass('public.fhir_search_owner') IS NOT NULL THEN
    INSERT INTO access_control.search_owner (search_id, owner_digest, created)
      SELECT search_id, owner_digest, created FROM public.fhir_search_owner
      ON CONFLICT (search_id) DO NOTHING;
    DROP TABLE public.fhir_search_owner;
  END IF;
END $moved$;
