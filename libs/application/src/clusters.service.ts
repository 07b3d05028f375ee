import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@portolan/config';
import { canWrite, isAdmin, type TenantContext } from '@portolan/contracts';
import { defaultProfile } from '@portolan/netsim';
import { ClustersRepository, type ClusterRow, type Page, type PageRequest } from '@portolan/persistence';
import { CreateClusterInput, normalizePortRange, parseInput } from './cluster-profile';
import { AppError } from './errors';
import { SecretBox, newWebhookSecret } from './secret-box';

export type ClusterView = Omit<ClusterRow, 'webhookSecret' | 'importSource'> & { hasImportSource: boolean };

const view = ({ webhookSecret: _s, importSource, ...rest }: ClusterRow): ClusterView => ({ ...rest, hasImportSource: importSource != null });

@Injectable()
export class ClustersService {
  private readonly box: SecretBox;

  constructor(
    private readonly clusters: ClustersRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.box = new SecretBox(config.secrets.key);
  }

  async get(ctx: TenantContext, id: string): Promise<ClusterView> {
    const c = await this.clusters.get(ctx, id);
    if (!c) throw AppError.notFound('cluster', id);
    return view(c);
  }

  async getMany(ctx: TenantContext, ids: readonly string[]): Promise<ClusterView[]> {
    return (await this.clusters.getMany(ctx, ids)).map(view);
  }

  /** The row with its sealed secrets, for use cases that need the profile or the webhook key. */
  async getRow(ctx: TenantContext, id: string): Promise<ClusterRow> {
    const c = await this.clusters.get(ctx, id);
    if (!c) throw AppError.notFound('cluster', id);
    return c;
  }

  async list(ctx: TenantContext, page: PageRequest): Promise<Page<ClusterView>> {
    const p = await this.clusters.list(ctx, page);
    return { ...p, items: p.items.map(view) };
  }

  /** Creates a cluster; its webhook secret is returned in clear this once. */
  async create(ctx: TenantContext, input: unknown): Promise<{ cluster: ClusterView; webhookSecret: string }> {
    if (!canWrite(ctx)) throw AppError.forbidden('creating a cluster needs a writer or admin key');
    const i = parseInput(CreateClusterInput, input, 'cluster');
    if (await this.clusters.getByName(ctx, i.name)) throw new AppError('CONFLICT', `cluster ${JSON.stringify(i.name)} already exists`);
    const secret = newWebhookSecret();
    const row = await this.clusters.create(ctx, {
      name: i.name,
      kubernetesVersion: i.kubernetesVersion.replace(/^v/, ''),
      kubeProxy: i.kubeProxy,
      cni: (i.cniConflist ?? defaultProfile().cni.conflist) as never,
      nodePortRange: normalizePortRange(i.nodePortRange),
      containerRuntime: i.containerRuntime,
      encryptedWebhookSecret: this.box.seal(secret),
      retention: i.retention ?? this.config.snapshots.retention,
    });
    return { cluster: view(row), webhookSecret: secret };
  }

  async rotateWebhookSecret(ctx: TenantContext, id: string): Promise<{ cluster: ClusterView; webhookSecret: string }> {
    if (!isAdmin(ctx)) throw AppError.forbidden('rotating a webhook secret needs an admin key');
    const cluster = await this.get(ctx, id);
    const secret = newWebhookSecret();
    await this.clusters.setWebhookSecret(ctx, id, this.box.seal(secret));
    return { cluster, webhookSecret: secret };
  }

  openSecret(sealed: string): string {
    return this.box.open(sealed);
  }
}
