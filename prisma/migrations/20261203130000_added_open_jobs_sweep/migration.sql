-- The worker's sweep must find open rows of every tenant whose job may be gone (a worker killed twice, a lost
-- enqueue). Like authentication, this is a door through RLS: an owner-run function answering only ids, tenants and
-- ages of rows still open, never their content.
CREATE FUNCTION portolan_open_jobs(min_age_seconds integer, max_rows integer)
  RETURNS TABLE (kind text, id uuid, tenant_id uuid, source text, age_seconds double precision)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
  AS $$ (SELECT 'snapshot', s."id", s."tenant_id", s."source"::text, extract(epoch FROM now() - s."created_at") FROM "snapshots" s WHERE s."status" = 'pending' AND s."created_at" < now() - make_interval(secs => min_age_seconds) ORDER BY s."created_at" LIMIT max_rows) UNION ALL (SELECT 'analysis', a."id", a."tenant_id", a."source", extract(epoch FROM now() - a."created_at") FROM "analyses" a WHERE a."status" IN ('pending', 'running') AND a."created_at" < now() - make_interval(secs => min_age_seconds) ORDER BY a."created_at" LIMIT max_rows) $$;
