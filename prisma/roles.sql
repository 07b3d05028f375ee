-- Cluster-level roles and grants, applied by tools/prisma-wasm-migrate.mjs after every deploy (idempotent).
-- They live outside prisma/migrations because roles belong to the server, not to one database's schema history.
-- portolan_app owns nothing: row-level security therefore applies to every query the API and the worker make.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'portolan_app') THEN
    CREATE ROLE portolan_app NOLOGIN;
  END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO portolan_app;
GRANT SELECT ON "tenants" TO portolan_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON "api_keys", "clusters", "snapshots", "snapshot_objects", "analyses", "webhook_deliveries", "snapshot_uploads", "check_exemptions" TO portolan_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO portolan_app;

REVOKE ALL ON FUNCTION portolan_authenticate(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION portolan_authenticate(text) TO portolan_app;
REVOKE ALL ON FUNCTION portolan_touch_api_keys(uuid[], interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION portolan_touch_api_keys(uuid[], interval) TO portolan_app;
REVOKE ALL ON FUNCTION portolan_webhook_target(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION portolan_webhook_target(uuid) TO portolan_app;
REVOKE ALL ON FUNCTION portolan_open_jobs(integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION portolan_open_jobs(integer, integer) TO portolan_app;
