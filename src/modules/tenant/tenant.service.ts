import { Injectable } from '@nestjs/common';
import { TenantNotFoundError } from './tenant.errors.js';
import { TenantRepository, type TenantView } from './tenant.repository.js';

@Injectable()
export class TenantService {
  constructor(private readonly tenants: TenantRepository) {}

  /** The tenant of the current request, read through RLS. */
  async current(): Promise<TenantView> {
    const tenant = await this.tenants.findCurrent();
    if (!tenant) throw new TenantNotFoundError();
    return tenant;
  }
}
