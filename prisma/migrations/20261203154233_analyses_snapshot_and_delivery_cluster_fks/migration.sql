-- Tenant-composite foreign keys for the last two references that had none (issue 9): the database itself refuses an
-- analysis pointing at another tenant's snapshot, or a delivery at another tenant's cluster.

-- References left dangling before the constraint existed (retention pruned the snapshot) become NULL, as the
-- constraint would have made them, and deliveries of clusters that no longer exist go.
UPDATE "analyses" a SET "snapshot_id" = NULL
WHERE "snapshot_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "snapshots" s WHERE s."tenant_id" = a."tenant_id" AND s."id" = a."snapshot_id");
DELETE FROM "webhook_deliveries" d
WHERE NOT EXISTS (SELECT 1 FROM "clusters" c WHERE c."tenant_id" = d."tenant_id" AND c."id" = d."cluster_id");

-- AddForeignKey. SET NULL names snapshot_id only (PostgreSQL 15): tenant_id is NOT NULL and shared with the cluster
-- reference. Prisma cannot say this, and reads the constraint back as SetNull, so the schema does not drift.
ALTER TABLE "analyses" ADD CONSTRAINT "analyses_tenant_id_snapshot_id_fkey" FOREIGN KEY ("tenant_id", "snapshot_id") REFERENCES "snapshots"("tenant_id", "id") ON DELETE SET NULL ("snapshot_id") ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_tenant_id_cluster_id_fkey" FOREIGN KEY ("tenant_id", "cluster_id") REFERENCES "clusters"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;
