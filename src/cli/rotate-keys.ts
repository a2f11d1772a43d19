import pg from 'pg';
import { AppConfig } from '../config/app-config.js';
import { DATABASE_ENDPOINTS, type DatabaseEndpoints } from '../database/database.tokens.js';
import { rotateContextKey } from '../database/tenant-context.js';
import { IntegrationsService } from '../modules/registry/integrations.service.js';
import { CredentialCipher } from '../modules/registry/credential-cipher.js';
import { withCliContext } from './cli-context.js';

// `npm run keys:rotate`: re-seal every stored credential under the current ENCRYPTION_KEY, and
// rotate the tenant context key.
// Rotation without downtime: deploy with ENCRYPTION_KEY=<new> and ENCRYPTION_KEY_PREVIOUS=<old>
// (instances then write with the new key and read both), run this, then drop the old key.
// With tenant ids (`npm run keys:rotate -- <tenant id> …`), only those tenants' values.
// The tenant context key (docs/isolation.md, "Signed tenant context"): a new key generated in
// the database becomes current; the one it replaces stays accepted, so running instances keep
// working until they restart onto the new key. Restart every instance before the next rotation,
// which drops that older key. `--context-key` rotates only it. With TENANT_CONTEXT_KEY set, the
// key is the environment's: rotate by changing TENANT_CONTEXT_KEY (the next start installs it
// and keeps the old one accepted).
const args = process.argv.slice(2);
const contextOnly = args.includes('--context-key');
const only = args.filter((a) => a !== '--context-key');
void withCliContext(async (ctx) => {
  let code = 0;
  if (!contextOnly) {
    const cipher = ctx.get(CredentialCipher);
    const { resealed, failed } = await ctx.get(IntegrationsService).rotateKeys(100, only.length ? only : undefined);
    console.log(`current key version ${cipher.currentVersion}: ${resealed} credential(s) re-sealed, ${failed} failed`);
    if (failed > 0) code = 1;
  }
  // the context key is not per tenant: a run restricted to tenants leaves it alone
  if (contextOnly || only.length === 0) {
    if (ctx.get(AppConfig).tenantContext.key) {
      console.log('tenant context key: TENANT_CONTEXT_KEY is set; rotate it by changing TENANT_CONTEXT_KEY');
    } else {
      const owner = new pg.Client({ connectionString: ctx.get<DatabaseEndpoints>(DATABASE_ENDPOINTS).ownerUrl });
      await owner.connect();
      try {
        const { current, previous } = await rotateContextKey(owner);
        console.log(
          `tenant context key ${current} is current; ${previous ?? 'no earlier key'} stays accepted until the next rotation ` +
            '(restart every instance before then)',
        );
      } finally {
        await owner.end();
      }
    }
  }
  return code;
});
