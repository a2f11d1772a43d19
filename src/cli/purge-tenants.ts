import { PurgeService } from '../modules/registry/purge.service.js';
import { withCliContext } from './cli-context.js';

// `npm run tenants:purge [-- <tenant id> …]`: hard-delete every tenant past purgeAfter (or, with
// ids, those of the listed that are past it), once, then exit.
const only = process.argv.slice(2);
void withCliContext(async (ctx) => {
  const report = await ctx.get(PurgeService).purgeDue(only.length ? { only } : {});
  for (const p of report.purged) console.log(`purged tenant ${p.id}: ${JSON.stringify(p.rows)}`);
  for (const f of report.failed) console.error(`NOT purged ${f.id}: ${f.error}`);
  console.log(`${report.purged.length} tenant(s) purged, ${report.failed.length} failed`);
  return report.failed.length === 0 ? 0 : 1;
});
