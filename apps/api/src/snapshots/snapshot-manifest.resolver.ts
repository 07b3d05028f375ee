import { Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { SnapshotPodModel, SnapshotWorkloadModel } from './snapshot-objects.resolver';

const MANIFEST = {
  description: 'The object as stored, as JSON without status and managedFields: the portal asks where it can run with it',
};

/** The stored object as a question's input: its spec as uploaded, not what the cluster reported about it. */
export function manifestOf(raw: unknown): string {
  const o = { ...(raw as Record<string, unknown>) };
  delete o['status'];
  const meta = o['metadata'] as Record<string, unknown> | undefined;
  if (meta) {
    const m = { ...meta };
    delete m['managedFields'];
    o['metadata'] = m;
  }
  // stored as jsonb, whose key order is not the upload's: put the fields people read first back in front
  const { apiVersion, kind, metadata, spec, ...rest } = o;
  return JSON.stringify({ apiVersion, kind, metadata, spec, ...rest });
}

@Resolver(() => SnapshotPodModel)
export class SnapshotPodManifestResolver {
  @ResolveField(() => String, MANIFEST)
  manifest(@Parent() p: SnapshotPodModel): string {
    return manifestOf(p.raw);
  }
}

@Resolver(() => SnapshotWorkloadModel)
export class SnapshotWorkloadManifestResolver {
  @ResolveField(() => String, MANIFEST)
  manifest(@Parent() w: SnapshotWorkloadModel): string {
    return manifestOf(w.raw);
  }
}
