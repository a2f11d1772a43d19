// Routes registered only by the benchmark harness (through createApp's extraModules), never by
// the service. The baselines do tenancy "by hand": the tenant comes from the verified token
// (the global AuthGuard still runs), queries carry an explicit WHERE tenant_id = $1, run
// without a transaction on the harness's BYPASSRLS role. They exist to be compared against.
import {
  Controller,
  Get,
  Inject,
  Module,
  NotFoundException,
  Req,
  type DynamicModule,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import pg from 'pg';
import '../../src/common/fastify-request.js';
import { TenantRoute } from '../../src/common/route-scope.js';
import { TENANT_COLUMNS, tenantFromRow } from '../../src/modules/tenant/tenant.repository.js';

const BASELINE_POOL = Symbol('BASELINE_POOL');

export interface BenchRoutesOptions {
  baselineUrl?: string;
  poolSize: number;
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

  /** Token check + tenant resolution + (lazy, never opened) tenant session: scenario 6 "A". */
  @TenantRoute()
  @Get('tenant-noop')
  tenantNoop(@Req() req: FastifyRequest) {
    return { ok: true, tenantId: req.tenant?.id };
  }
}

@Controller('bench/baseline')
export class BenchBaselineController {
  constructor(@Inject(BASELINE_POOL) private readonly pool: pg.Pool) {}

  /** Baseline of GET /v1/tenant. */
  @Get('tenant')
  async tenant(@Req() req: FastifyRequest) {
    const { rows } = await this.pool.query(`SELECT ${TENANT_COLUMNS} FROM tenants WHERE id = $1`, [
      tenantOf(req),
    ]);
    if (!rows[0]) throw new NotFoundException();
    return tenantFromRow(rows[0]);
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
      controllers: [BenchNoopController, BenchBaselineController],
      providers: [
        {
          provide: BASELINE_POOL,
          useFactory: () =>
            new pg.Pool({
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
