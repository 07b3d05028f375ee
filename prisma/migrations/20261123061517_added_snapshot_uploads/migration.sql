-- CreateTable
CREATE TABLE "snapshot_uploads" (
    "snapshot_id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "parts" JSONB NOT NULL,
    "content" BYTEA NOT NULL,
    "size" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "snapshot_uploads_pkey" PRIMARY KEY ("snapshot_id")
);

-- AddForeignKey
ALTER TABLE "snapshot_uploads" ADD CONSTRAINT "snapshot_uploads_snapshot_id_fkey" FOREIGN KEY ("snapshot_id") REFERENCES "snapshots"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Tenant isolation, as for every tenant-owned table (grants in prisma/roles.sql).
ALTER TABLE "snapshot_uploads" ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "snapshot_uploads" USING ("tenant_id" = portolan_current_tenant()) WITH CHECK ("tenant_id" = portolan_current_tenant());
