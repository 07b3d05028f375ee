/** Tenancy travels as an explicit parameter (never ambient state): every repository and use-case call takes it. */
export type TenantId = string & { readonly __brand: 'TenantId' };

export const API_KEY_ROLES = ['admin', 'writer', 'reader'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

export interface TenantContext {
  readonly tenantId: TenantId;
  /** API key id (or 'system:<job>' for work the service does on its own), for audit and logs */
  readonly actorId: string;
  readonly role: ApiKeyRole;
}

export const asTenantId = (id: string): TenantId => id as TenantId;

/** What each role may do; reads are open to every role of the tenant. */
export function canWrite(ctx: TenantContext): boolean {
  return ctx.role === 'admin' || ctx.role === 'writer';
}

export function isAdmin(ctx: TenantContext): boolean {
  return ctx.role === 'admin';
}

export function systemContext(tenantId: TenantId, job: string): TenantContext {
  return { tenantId, actorId: `system:${job}`, role: 'admin' };
}
