-- CreateTable
CREATE TABLE "check_exemptions" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "cluster_id" UUID NOT NULL,
    "rule" TEXT NOT NULL,
    "selector" JSONB NOT NULL,
    "reason" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3),
    "created_by" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "check_exemptions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "check_exemptions_tenant_id_cluster_id_created_at_idx" ON "check_exemptions"("tenant_id", "cluster_id", "created_at");

-- AddForeignKey
ALTER TABLE "check_exemptions" ADD CONSTRAINT "check_exemptions_tenant_id_cluster_id_fkey" FOREIGN KEY ("tenant_id", "cluster_id") REFERENCES "clusters"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Row-level security, as every tenant table: the application role sees and writes only its tenant's rows
ALTER TABLE "check_exemptions" ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "check_exemptions" USING ("tenant_id" = portolan_current_tenant()) WITH CHECK ("tenant_id" = portolan_current_tenant());
