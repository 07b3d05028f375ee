-- CreateEnum
CREATE TYPE "ApiKeyRole" AS ENUM ('admin', 'writer', 'reader');

-- CreateEnum
CREATE TYPE "SnapshotSource" AS ENUM ('upload', 'webhook', 'schedule', 'demo');

-- CreateEnum
CREATE TYPE "SnapshotStatus" AS ENUM ('pending', 'ready', 'failed');

-- CreateEnum
CREATE TYPE "AnalysisStatus" AS ENUM ('pending', 'running', 'done', 'failed');

-- CreateTable
CREATE TABLE "tenants" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tenants_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "role" "ApiKeyRole" NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "clusters" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kubernetes_version" TEXT NOT NULL,
    "kube_proxy" JSONB NOT NULL,
    "cni" JSONB NOT NULL,
    "node_port_range" TEXT NOT NULL,
    "container_runtime" TEXT NOT NULL,
    "webhook_secret" TEXT NOT NULL,
    "import_source" JSONB,
    "retention" INTEGER NOT NULL DEFAULT 10,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "clusters_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "snapshots" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "cluster_id" UUID NOT NULL,
    "source" "SnapshotSource" NOT NULL,
    "status" "SnapshotStatus" NOT NULL DEFAULT 'pending',
    "content_hash" TEXT,
    "counts" JSONB,
    "error" JSONB,
    "warnings" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ready_at" TIMESTAMPTZ(3),

    CONSTRAINT "snapshots_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "snapshot_objects" (
    "id" BIGSERIAL NOT NULL,
    "tenant_id" UUID NOT NULL,
    "snapshot_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "namespace" TEXT NOT NULL DEFAULT '',
    "name" TEXT NOT NULL,
    "node_name" TEXT,
    "host_network" BOOLEAN,
    "phase" TEXT,
    "ip" TEXT,
    "labels" JSONB,
    "raw" JSONB NOT NULL,

    CONSTRAINT "snapshot_objects_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "analyses" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "cluster_id" UUID NOT NULL,
    "snapshot_id" UUID,
    "source" TEXT NOT NULL,
    "status" "AnalysisStatus" NOT NULL DEFAULT 'pending',
    "manifests" TEXT NOT NULL,
    "meta" JSONB,
    "verdict" TEXT,
    "result" JSONB,
    "sarif" JSONB,
    "error" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "analyses_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_deliveries" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "cluster_id" UUID NOT NULL,
    "delivery_id" TEXT NOT NULL,
    "body_hash" TEXT NOT NULL,
    "analysis_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "tenants_name_key" ON "tenants"("name");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_hash_key" ON "api_keys"("hash");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_tenant_id_id_key" ON "api_keys"("tenant_id", "id");

-- CreateIndex
CREATE UNIQUE INDEX "clusters_tenant_id_name_key" ON "clusters"("tenant_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "clusters_tenant_id_id_key" ON "clusters"("tenant_id", "id");

-- CreateIndex
CREATE INDEX "snapshots_tenant_id_cluster_id_created_at_idx" ON "snapshots"("tenant_id", "cluster_id", "created_at");

-- CreateIndex
CREATE INDEX "snapshots_cluster_id_content_hash_idx" ON "snapshots"("cluster_id", "content_hash");

-- CreateIndex
CREATE UNIQUE INDEX "snapshots_tenant_id_id_key" ON "snapshots"("tenant_id", "id");

-- CreateIndex
CREATE INDEX "snapshot_objects_tenant_id_snapshot_id_kind_namespace_name_idx" ON "snapshot_objects"("tenant_id", "snapshot_id", "kind", "namespace", "name");

-- CreateIndex
CREATE INDEX "snapshot_objects_snapshot_id_kind_node_name_idx" ON "snapshot_objects"("snapshot_id", "kind", "node_name");

-- CreateIndex
CREATE INDEX "analyses_tenant_id_cluster_id_created_at_idx" ON "analyses"("tenant_id", "cluster_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "analyses_tenant_id_id_key" ON "analyses"("tenant_id", "id");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_deliveries_cluster_id_delivery_id_key" ON "webhook_deliveries"("cluster_id", "delivery_id");

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "clusters" ADD CONSTRAINT "clusters_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "snapshots" ADD CONSTRAINT "snapshots_cluster_id_fkey" FOREIGN KEY ("cluster_id") REFERENCES "clusters"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "snapshot_objects" ADD CONSTRAINT "snapshot_objects_snapshot_id_fkey" FOREIGN KEY ("snapshot_id") REFERENCES "snapshots"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "analyses" ADD CONSTRAINT "analyses_cluster_id_fkey" FOREIGN KEY ("cluster_id") REFERENCES "clusters"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_analysis_id_fkey" FOREIGN KEY ("analysis_id") REFERENCES "analyses"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------------------------
-- Tenancy, enforced by Postgres as well as by the repositories (hand-written, Prisma cannot express it).
-- The application connects as portolan_app (prisma/roles.sql), which owns no table, so row-level security applies
-- to every query it makes. A session that has not set portolan.tenant_id sees no tenant-owned row at all.
-- ---------------------------------------------------------------------------------------------------------------
-- '' and unset both mean "no tenant": NULLIF keeps the uuid cast from failing, and NULL matches no row.
CREATE FUNCTION portolan_current_tenant() RETURNS uuid
  LANGUAGE sql STABLE
  AS $$ SELECT NULLIF(current_setting('portolan.tenant_id', true), '')::uuid $$;

ALTER TABLE "tenants" ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "tenants" USING ("id" = portolan_current_tenant());

ALTER TABLE "api_keys" ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "api_keys" USING ("tenant_id" = portolan_current_tenant()) WITH CHECK ("tenant_id" = portolan_current_tenant());
ALTER TABLE "clusters" ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "clusters" USING ("tenant_id" = portolan_current_tenant()) WITH CHECK ("tenant_id" = portolan_current_tenant());
ALTER TABLE "snapshots" ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "snapshots" USING ("tenant_id" = portolan_current_tenant()) WITH CHECK ("tenant_id" = portolan_current_tenant());
ALTER TABLE "snapshot_objects" ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "snapshot_objects" USING ("tenant_id" = portolan_current_tenant()) WITH CHECK ("tenant_id" = portolan_current_tenant());
ALTER TABLE "analyses" ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "analyses" USING ("tenant_id" = portolan_current_tenant()) WITH CHECK ("tenant_id" = portolan_current_tenant());
ALTER TABLE "webhook_deliveries" ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "webhook_deliveries" USING ("tenant_id" = portolan_current_tenant()) WITH CHECK ("tenant_id" = portolan_current_tenant());

-- Authentication has to find a key before it knows the tenant. This owner-run function is the one door through
-- RLS for that, and it answers only for a matching, unrevoked key hash.
CREATE FUNCTION portolan_authenticate(key_hash text)
  RETURNS TABLE (api_key_id uuid, tenant_id uuid, role "ApiKeyRole")
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
  AS $$ SELECT k."id", k."tenant_id", k."role" FROM "api_keys" k WHERE k."hash" = key_hash AND k."revoked_at" IS NULL $$;

-- The CI webhook is authenticated by the cluster's HMAC secret, not an API key: same need, same kind of door.
CREATE FUNCTION portolan_webhook_target(target_cluster uuid)
  RETURNS TABLE (tenant_id uuid, webhook_secret text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
  AS $$ SELECT c."tenant_id", c."webhook_secret" FROM "clusters" c WHERE c."id" = target_cluster $$;
