import { Transform } from 'class-transformer';
import { registerDecorator, type ValidationOptions } from 'class-validator';
import { normaliseSubdomain, subdomainProblem } from '../subdomain.js';

export const TENANT_TYPES = ['client', 'solution', 'industry', 'platform'] as const;
export const TENANT_TIERS = ['free', 'professional', 'enterprise'] as const;
export const TENANT_STATUSES = ['provisioning', 'active', 'suspended', 'deleted'] as const;
export type TenantType = (typeof TENANT_TYPES)[number];
export type TenantTier = (typeof TENANT_TIERS)[number];
export type TenantStatus = (typeof TENANT_STATUSES)[number];

/** Orders of the platform listing of tenants; a leading "-" is descending. */
export const TENANT_SORTS = [
  'createdAt', '-createdAt', 'updatedAt', '-updatedAt', 'companyName', '-companyName', 'subdomain', '-subdomain',
] as const;
export type TenantSort = (typeof TENANT_SORTS)[number];

export const COMPANY_NAME_MAX = 200;
export const METADATA_LIMITS = { maxBytes: 16 * 1024, maxDepth: 8 };
export const SETTINGS_LIMITS = { maxBytes: 32 * 1024, maxDepth: 8 };

/** Trims strings; leaves anything else for the validators to refuse. */
export const Trim = () => Transform(({ value }) => (typeof value === 'string' ? value.trim() : value));

/** Lower-cases and trims a subdomain before it is checked (matching is case-insensitive). */
export const NormaliseSubdomain = () =>
  Transform(({ value }) => (typeof value === 'string' ? normaliseSubdomain(value) : value));

/** docs/api.md subdomain rules: 3–50 chars of [a-z0-9-], no leading/trailing hyphen, not reserved. */
export function IsTenantSubdomain(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isTenantSubdomain',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && subdomainProblem(value) === undefined,
        defaultMessage: (args) => {
          const value = args?.value;
          if (typeof value === 'string' && subdomainProblem(value) === 'reserved') {
            return 'subdomain is reserved';
          }
          return 'subdomain must be 3–50 characters of a-z, 0-9 and "-", not starting or ending with "-"';
        },
      },
    });
}
