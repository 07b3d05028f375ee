-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN     "expires_at" TIMESTAMPTZ(3);

-- An expired key authenticates nothing, exactly like a revoked one (the caller sees the same 401). expires_at is
-- returned so a process caching the key can stop trusting it at that instant.
DROP FUNCTION portolan_authenticate(text);
CREATE FUNCTION portolan_authenticate(key_hash text)
  RETURNS TABLE (api_key_id uuid, tenant_id uuid, role "ApiKeyRole", expires_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
  AS $$ SELECT k."id", k."tenant_id", k."role", k."expires_at" FROM "api_keys" k
        WHERE k."hash" = key_hash AND k."revoked_at" IS NULL AND (k."expires_at" IS NULL OR k."expires_at" > now()) $$;

-- last_used_at for keys of any tenant in one statement (API processes batch the keys they saw), like
-- portolan_authenticate a door through RLS: it can only move last_used_at forward, at most once per `granularity`.
CREATE FUNCTION portolan_touch_api_keys(key_ids uuid[], granularity interval)
  RETURNS void
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public
  AS $$ UPDATE "api_keys" SET "last_used_at" = now()
        WHERE "id" = ANY(key_ids) AND ("last_used_at" IS NULL OR "last_used_at" < now() - granularity) $$;
