import { jest } from '@jest/globals';
import type { AppConfig } from '../../config/app-config.js';
import type { DatabaseSessions } from '../../database/database-sessions.js';
import type { AuditService } from '../auth/audit.service.js';
import type { TenantService } from '../tenant/tenant.service.js';
import type { PurgeRepository } from './purge.repository.js';
import { PurgeService } from './purge.service.js';

// The schedule only; the purge itself is proven against Postgres in test/integration.
describe('PurgeService schedule', () => {
  function make(intervalSeconds: number) {
    const due = jest.fn(async () => [] as string[]);
    const sessions = { runAsPlatform: (_actor: string, fn: () => Promise<unknown>) => fn() } as unknown as DatabaseSessions;
    const tenants = { dueForPurge: due } as unknown as TenantService;
    const service = new PurgeService(
      sessions, {} as PurgeRepository, tenants, {} as AuditService,
      { purgeIntervalSeconds: intervalSeconds } as AppConfig,
    );
    return { service, due };
  }

  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs every TENANT_PURGE_INTERVAL_SECONDS, with an unref\'d timer, until shutdown', async () => {
    const { service, due } = make(60);
    service.onApplicationBootstrap();
    expect((service as unknown as { timer: NodeJS.Timeout }).timer.hasRef()).toBe(false);
    await jest.advanceTimersByTimeAsync(59_000);
    expect(due).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(due).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(due).toHaveBeenCalledTimes(2);
    await service.onApplicationShutdown();
    await jest.advanceTimersByTimeAsync(600_000);
    expect(due).toHaveBeenCalledTimes(2);
  });

  it('is off when the interval is 0 (the default in tests)', async () => {
    const { service, due } = make(0);
    service.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(10 * 3600_000);
    expect(due).not.toHaveBeenCalled();
  });
});
