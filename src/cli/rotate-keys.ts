import { IntegrationsService } from '../modules/registry/integrations.service.js';
import { CredentialCipher } from '../modules/registry/credential-cipher.js';
import { withCliContext } from './cli-context.js';

// `npm run keys:rotate`: re-seal every stored credential under the current ENCRYPTION_KEY.
// Rotation without downtime: deploy with ENCRYPTION_KEY=<new> and ENCRYPTION_KEY_PREVIOUS=<old>
// (instances then write with the new key and read both), run this, then drop the old key.
// With tenant ids (`npm run keys:rotate -- <tenant id> …`), only those tenants' values.
const only = process.argv.slice(2);
void withCliContext(async (ctx) => {
  const cipher = ctx.get(CredentialCipher);
  const { resealed, failed } = await ctx.get(IntegrationsService).rotateKeys(100, only.length ? only : undefined);
  console.log(`current key version ${cipher.currentVersion}: ${resealed} credential(s) re-sealed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
});
