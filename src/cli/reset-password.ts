import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DatabaseSessions } from '../database/database-sessions.js';
import { PasswordResetService } from '../modules/auth/password-reset.service.js';
import { checkPasswordPolicy, PasswordService } from '../modules/auth/password.service.js';
import { TenantResolver } from '../modules/tenant/tenant-resolver.service.js';
import { withCliContext } from './cli-context.js';

// `npm run users:reset-password -- --tenant <subdomain> --email <email>` (a tenant user) or
// `npm run users:reset-password -- --platform --email <email>` (a platform admin).
// The new password comes from NEW_PASSWORD, or from the first line of stdin with --password-stdin;
// without either, one is generated and printed once. The user's refresh tokens are revoked (every
// session ends at its next refresh; access tokens already issued live out their JWT_ACCESS_TTL_SECONDS)
// and the reset is written to the audit trail (user.password_reset / platform_admin.password_reset).
// Runs through the runtime roles in a tenant or platform transaction, like the service.

const USAGE = `usage:
  npm run users:reset-password -- --tenant <subdomain> --email <email> [--password-stdin]
  npm run users:reset-password -- --platform --email <email> [--password-stdin]
The new password: NEW_PASSWORD, or stdin's first line with --password-stdin, else generated and printed once.`;

function usage(message?: string): never {
  if (message) console.error(message);
  console.error(USAGE);
  process.exit(2);
}

async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

let args;
try {
  args = parseArgs({
    options: {
      tenant: { type: 'string' },
      platform: { type: 'boolean', default: false },
      email: { type: 'string' },
      'password-stdin': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: false,
  }).values;
} catch (err) {
  usage(err instanceof Error ? err.message : String(err));
}
if (args.help) usage();
if (!args.email) usage('--email is required');
if (Boolean(args.tenant) === args.platform) usage('give exactly one of --tenant <subdomain> and --platform');

const email = args.email.trim().toLowerCase();
const given = args['password-stdin'] ? await readStdinLine() : process.env.NEW_PASSWORD || undefined;
const password = given ?? randomBytes(18).toString('base64url');
try {
  checkPasswordPolicy(email, password);
} catch {
  usage('the new password does not meet the policy: at least 12 characters and not the email address');
}

void withCliContext(async (ctx) => {
  const sessions = ctx.get(DatabaseSessions);
  const hash = await ctx.get(PasswordService).hash(password);
  let revoked: number;
  if (args.platform) {
    const done = await sessions.runAsPlatform('cli:users:reset-password', () =>
      ctx.get(PasswordResetService).resetPlatformAdmin(email, hash),
    );
    if (done === undefined) {
      console.error(`no platform admin with email ${email}`);
      return 1;
    }
    revoked = done;
    console.log(`password of platform admin ${email} reset; ${revoked} refresh token(s) revoked`);
  } else {
    const tenant = await ctx.get(TenantResolver).lookup(args.tenant!.trim().toLowerCase());
    if (!tenant) {
      console.error(`no tenant with subdomain ${args.tenant}`);
      return 1;
    }
    const done = await sessions.runAsTenant(tenant.id, () => ctx.get(PasswordResetService).resetUser(email, hash));
    if (done === undefined) {
      console.error(`no user ${email} in tenant ${tenant.subdomain}`);
      return 1;
    }
    revoked = done;
    console.log(`password of ${email} in tenant ${tenant.subdomain} reset; ${revoked} refresh token(s) revoked`);
  }
  if (!given) console.log(`new password (shown once): ${password}`);
  return 0;
});
