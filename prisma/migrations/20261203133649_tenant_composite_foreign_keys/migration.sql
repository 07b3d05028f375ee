-- DropForeignKey
ALTER TABLE "analyses" DROP CONSTRAINT "analyses_cluster_id_fkey";

-- DropForeignKey
ALTER TABLE "snapshot_objects" DROP CONSTRAINT "snapshot_objects_snapshot_id_fkey";

-- DropForeignKey
ALTER TABLE "snapshot_uploads" DROP CONSTRAINT "snapshot_uploads_snapshot_id_fkey";

-- DropForeignKey
ALTER TABLE "snapshots" DROP CONSTRAINT "snapshots_cluster_id_fkey";

-- DropForeignKey
ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "webhook_deliveries_analysis_id_fkey";

-- CreateIndex
CREATE UNIQUE INDEX "snapshot_uploads_tenant_id_snapshot_id_key" ON "snapshot_uploads"("tenant_id", "snapshot_id");

-- AddForeignKey
ALTER TABLE "snapshots" ADD CONSTRAINT "snapshots_tenant_id_cluster_id_fkey" FOREIGN KEY ("tenant_id", "cluster_id") REFERENCES "clusters"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "snapshot_uploads" ADD CONSTRAINT "snapshot_uploads_tenant_id_snapshot_id_fkey" FOREIGN KEY ("tenant_id", "snapshot_id") REFERENCES "snapshots"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "snapshot_objects" ADD CONSTRAINT "snapshot_objects_tenant_id_snapshot_id_fkey" FOREIGN KEY ("tenant_id", "snapshot_id") REFERENCES "snapshots"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "analyses" ADD CONSTRAINT "analyses_tenant_id_cluster_id_fkey" FOREIGN KEY ("tenant_id", "cluster_id") REFERENCES "clusters"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_tenant_id_analysis_id_fkey" FOREIGN KEY ("tenant_id", "analysis_id") REFERENCES "analyses"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;
