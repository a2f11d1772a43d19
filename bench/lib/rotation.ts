import { resourceDataset, type ResourceDataset } from './resources-data.js';
import type { BenchContext } from './types.js';

/**
 * The tenants in rotation for the HTTP scenarios: the first 100 of the dataset's sample that own
 * resources, each with an access token of its own user, signed as the service signs them.
 */
export async function tenantRotation(ctx: BenchContext): Promise<{
  data: ResourceDataset;
  sample: ResourceDataset['sample'];
  tokens: string[];
}> {
  const data = await resourceDataset(ctx);
  const sample = data.sample.filter((s) => s.ids?.length).slice(0, 100);
  const byId = new Map(data.tenants.map((t) => [t.id, t]));
  const tokens = sample.map((s) => {
    const t = byId.get(s.tenantId)!;
    return `Bearer ${ctx.signer.tenant({ tenantId: t.id, userId: t.userId, subdomain: t.subdomain })}`;
  });
  return { data, sample, tokens };
}
