// Routes registered only by the benchmark harness (through createApp's extraModules), never by
// the service. The baselines do tenancy "by hand": the tenant comes from the verified token
// (the request pipeline's authentication step still runs), queries carry an explicit WHERE tenant_id = $1, run
// without a transaction on the harness's BYPASSRLS role. They exist to be compared against.
import {
  Controller,
  Get,
  Inject,
  Module,
  NotFoundException,
  UnauthorizedException,
  Param,
  ParseUUIDPipe,
  Query,
  Req,
  type DynamicModule,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import pg from 'pg';
import '../../src/common/fastify-request.js';
import { resourceFromRow } from '../../src/modules/sharing/sharing.repository.js';
import { requestContext } from '../../src/common/request-context.js';
import { TenantRoute } from '../../src/common/route-scope.js';
import { PreparingClient } from '../../src/database/prepared-statements.js';

const BASELINE_POOL = Symbol('BASELINE_POOL');

export interface BenchRoutesOptions {
  baselineUrl?: string;
  poolSize: number;
}

// The baseline's copy of the user check's cache: the service keeps the check in a per-instance
// cache (PRINCIPAL_CACHE_TTL_MS, 30 s by default), so the hand-written side keeps it as long. It
// needs no invalidation here (nothing changes users during a run), which makes it, if anything,
// cheaper than the service's.
const USER_CACHE_TTL_MS = 30_000;
const userCache = new Map<string, { role: string; status: string; expiresAt: number } | null>();

/**
 * The per-request revocation check the service makes (the pipeline's PrincipalCheck), by hand: the
 * user must still exist, be active and hold the token's role. Runs beside the route's query when
 * the user is not cached, as the service's does.
 */
async function checkUser(pool: pg.Pool, req: FastifyRequest): Promise<void> {
  const p = req.principal;
  const key = `${p?.tenantId}:${p?.subject}`;
  let row = userCache.get(key);
  if (!row || row.expiresAt <= Date.now()) {
    const { rows } = await pool.query('SELECT role, status FROM users WHERE tenant_id = $1 AND id = $2', [
      p?.tenantId,
      p?.subject,
    ]);
    row = rows[0] ? { role: rows[0].role, status: rows[0].status, expiresAt: Date.now() + USER_CACHE_TTL_MS } : null;
    if (row) userCache.set(key, row);
  }
  if (!row || row.status !== 'active' || row.role !== p?.role) throw new UnauthorizedException();
}

function tenantOf(req: FastifyRequest): string {
  const tid = req.principal?.tenantId;
  if (!tid) throw new NotFoundException();
  return tid;
}

@Controller('bench')
export class BenchNoopController {
  /** Token check only (no route scope): the "B" side of the resolution cost (scenario 6). */
  @Get('noop')
  noop() {
    return { ok: true };
  }

  /**
   * A slow tenant request: holds one of the tenant's connections for `ms` in the database
   * (pg_sleep in the request transaction). The noisy tenant of scenario 7.
   */
  @TenantRoute()
  @Get('slow')
  async slow(@Query('ms') msRaw?: string) {
    const ms = Math.min(5_000, Math.max(0, Number(msRaw ?? 300) || 0));
    const em = await requestContext.tenantManager();
    await em.query('SELECT pg_sleep($1)', [ms / 1000]);
    return { ok: true, ms };
  }

  /** Token check + tenant resolution + (lazy, never opened) tenant session: scenario 6 "A". */
  @TenantRoute()
  @Get('tenant-noop')
  tenantNoop(@Req() req: FastifyRequest) {
    return { ok: true, tenantId: req.tenant?.id };
  }
}

// The visibility rule of the sharing policies, written by hand: own rows, global rows, selective
// rows shared with the caller, the last two only while their owner tenant is active. $T is the caller's tenant id from the verified token.
const T = '$TENANT::uuid';
const COLUMNS = `r.tenant_id, r.id, r.kind, r.name, r.content, r.sharing_mode, r.created_at, r.updated_at,
  r.tenant_id = ${T} AS owned,
  CASE WHEN r.tenant_id = ${T} AND r.sharing_mode = 'selective'
       THEN ARRAY(SELECT s.grantee_tenant_id FROM resource_shares s
                   WHERE s.tenant_id = r.tenant_id AND s.resource_id = r.id
                   ORDER BY s.grantee_tenant_id)
  END AS grantees`;
const LOOKUP_SQL = `SELECT ${COLUMNS} FROM resources r
  WHERE r.id = $1 AND (r.tenant_id = ${T} OR (r.owner_active AND (r.sharing_mode = 'global'
        OR (r.sharing_mode = 'selective' AND EXISTS (SELECT 1 FROM resource_shares s
              WHERE s.tenant_id = r.tenant_id AND s.resource_id = r.id AND s.grantee_tenant_id = ${T})))))`.replaceAll('$TENANT', '$2');
// The listing as a careful engineer would write it by hand: the service's listing function
// (app.list_visible_resources, migration 0024) with the tenant in every WHERE clause instead of
// the policies. The same three index-driven branches (own rows from the covering owner index,
// other tenants' global rows from the partial global index, rows shared with me from the grantee
// index), each cut at offset + limit, merged, and the total from the same three counts.
const LIST_SQL = `WITH page AS (
    SELECT * FROM (
      (SELECT r.tenant_id, r.id, r.kind, r.name, r.content, r.sharing_mode, r.created_at, r.updated_at
         FROM (SELECT k.tenant_id, k.id FROM resources k WHERE k.tenant_id = $3::uuid
                ORDER BY k.created_at DESC, k.id DESC LIMIT $1::int + $2::int) top
         JOIN resources r ON r.tenant_id = top.tenant_id AND r.id = top.id
        ORDER BY r.created_at DESC, r.id DESC)
      UNION ALL
      (SELECT r.tenant_id, r.id, r.kind, r.name, r.content, r.sharing_mode, r.created_at, r.updated_at
         FROM resources r
        WHERE r.sharing_mode = 'global' AND r.owner_active AND r.tenant_id <> $3::uuid
        ORDER BY r.created_at DESC, r.id DESC LIMIT $1::int + $2::int)
      UNION ALL
      (SELECT r.tenant_id, r.id, r.kind, r.name, r.content, r.sharing_mode, r.created_at, r.updated_at
         FROM resource_shares s JOIN resources r ON r.tenant_id = s.tenant_id AND r.id = s.resource_id
        WHERE s.grantee_tenant_id = $3::uuid AND r.sharing_mode = 'selective' AND r.owner_active
        ORDER BY r.created_at DESC, r.id DESC LIMIT $1::int + $2::int)
    ) v
    ORDER BY v.created_at DESC, v.id DESC LIMIT $1::int OFFSET $2::int
  ), counted AS (
    SELECT ((SELECT count(*) FROM resources r WHERE r.tenant_id = $3::uuid)
          + (SELECT count(*) FROM resources r
              WHERE r.sharing_mode = 'global' AND r.owner_active AND r.tenant_id <> $3::uuid)
          + (SELECT count(*) FROM resource_shares s JOIN resources r ON r.tenant_id = s.tenant_id AND r.id = s.resource_id
              WHERE s.grantee_tenant_id = $3::uuid AND r.sharing_mode = 'selective' AND r.owner_active))::int AS n
  )
  SELECT c.n AS total, p.tenant_id, p.id, p.kind, p.name, p.content, p.sharing_mode, p.created_at, p.updated_at,
         p.tenant_id = $3::uuid AS owned,
         CASE WHEN p.tenant_id = $3::uuid AND p.sharing_mode = 'selective'
              THEN ARRAY(SELECT s.grantee_tenant_id FROM resource_shares s
                          WHERE s.tenant_id = p.tenant_id AND s.resource_id = p.id ORDER BY 1)
         END AS grantees
    FROM counted c LEFT JOIN page p ON true
   ORDER BY p.created_at DESC, p.id DESC`;

/** Baselines of GET /v1/resources/:id and GET /v1/resources (sharing module). */
@Controller('bench/baseline/resources')
export class BenchBaselineResourcesController {
  constructor(@Inject(BASELINE_POOL) private readonly pool: pg.Pool) {}

  @Get(':id')
  async get(@Req() req: FastifyRequest, @Param('id', ParseUUIDPipe) id: string) {
    const [{ rows }] = await Promise.all([this.pool.query(LOOKUP_SQL, [id, tenantOf(req)]), checkUser(this.pool, req)]);
    // own first, should ids ever collide across tenants (as the service's findVisible)
    const row = rows.find((r) => r.owned === true) ?? rows[0];
    if (!row) throw new NotFoundException();
    return resourceFromRow(row);
  }

  @Get()
  async list(@Req() req: FastifyRequest, @Query('limit') limitRaw?: string, @Query('page') pageRaw?: string) {
    const limit = Math.min(100, Math.max(1, Number(limitRaw ?? 20) || 20));
    const page = Math.max(1, Number(pageRaw ?? 1) || 1);
    const [{ rows }] = await Promise.all([
      this.pool.query(LIST_SQL, [limit, (page - 1) * limit, tenantOf(req)]),
      checkUser(this.pool, req),
    ]);
    const total: number = rows[0]?.total ?? 0;
    return { items: rows.filter((r) => r.id !== null).map(resourceFromRow), page, limit, total };
  }
}

class PoolCloser implements OnModuleDestroy {
  constructor(private readonly pool: pg.Pool) {}
  async onModuleDestroy() {
    await this.pool.end();
  }
}

@Module({})
export class BenchRoutesModule {
  static forRoot(opts: BenchRoutesOptions): DynamicModule {
    if (!opts.baselineUrl) return { module: BenchRoutesModule, controllers: [BenchNoopController] };
    return {
      module: BenchRoutesModule,
      controllers: [BenchNoopController, BenchBaselineResourcesController],
      providers: [
        {
          provide: BASELINE_POOL,
          useFactory: () =>
            new pg.Pool({
              // prepared statements, as the service's pools use them
              Client: PreparingClient,
              connectionString: opts.baselineUrl,
              max: opts.poolSize,
              application_name: 'tenancy-bench-baseline',
            }),
        },
        { provide: PoolCloser, useFactory: (p: pg.Pool) => new PoolCloser(p), inject: [BASELINE_POOL] },
      ],
    };
  }
}
