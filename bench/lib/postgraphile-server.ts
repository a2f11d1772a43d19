// PostGraphile 5 as the benchmark's peer (scenario 8), in a process of its own so that its CPU
// is measured apart from the service's. Started by bench/scenarios/postgraphile-peer.ts with the
// service's environment plus BENCH_PG_URL (the tenant runtime role), BENCH_OWNER_URL (to read
// the context key) and BENCH_PORT; sends { type: 'ready', port } over IPC when it listens.
//
// It answers under the same policies, data and tokens as the service: it connects as the
// tenant runtime role, verifies the same access tokens with the service's own TokenService, and
// sets the same signed tenant context (pgSettings: PostGraphile runs BEGIN, set_config,
// the query and COMMIT for each request).
import 'reflect-metadata';
import { createServer } from 'node:http';
import { JwtService } from '@nestjs/jwt';
import { postgraphile } from 'postgraphile';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';
import { loadConfig } from '../../src/config/app-config.js';
import { TokenService } from '../../src/modules/auth/token.service.js';
import { benchContextKey, signedTenant } from './context.js';

// PostGraphile 5 uses Promise.withResolvers (Node 22+); the harness also runs on Node 20
const P = Promise as unknown as { withResolvers?: () => unknown };
P.withResolvers ??= function withResolvers<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
};

async function main() {
  const env = process.env;
  const url = env.BENCH_PG_URL!;
  const config = loadConfig({ ...env, NODE_ENV: 'production' });
  const tokens = new TokenService(new JwtService({}), config);
  const key = await benchContextKey(env.BENCH_OWNER_URL!);

  const preset: GraphileConfig.Preset = {
    extends: [PostGraphileAmberPreset],
    pgServices: [
      makePgService({ connectionString: url, schemas: ['public', 'app'], poolConfig: { max: config.dbPoolSize } }),
    ],
    grafast: {
      context(requestContext) {
        const authorization = requestContext.node?.req?.headers?.authorization;
        const token = typeof authorization === 'string' ? /^Bearer\s+(\S+)$/i.exec(authorization)?.[1] : undefined;
        if (!token) throw Object.assign(new Error('no token'), { statusCode: 401 });
        const principal = tokens.verifyAccess(token);
        if (principal.scope !== 'tenant' || !principal.tenantId) throw Object.assign(new Error('not a tenant token'), { statusCode: 403 });
        return { pgSettings: { 'app.current_tenant_id': signedTenant(key, principal.tenantId) } };
      },
    },
    grafserv: { graphiql: false, watch: false },
  };
  const pgl = postgraphile(preset);
  const serv = pgl.createServ(grafserv);
  const server = createServer();
  serv.addTo(server).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
  await pgl.getSchemaResult(); // introspected before the harness starts timing
  const port = Number(env.BENCH_PORT ?? 0);
  server.listen(port, '127.0.0.1', () => {
    const addr = server.address();
    process.send?.({ type: 'ready', port: typeof addr === 'object' && addr ? addr.port : port });
  });
  const stop = () => {
    server.close();
    void Promise.resolve(pgl.release()).finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
