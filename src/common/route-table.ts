import type { FastifyInstance } from 'fastify';

/**
 * The method + path templates registered on a Fastify instance, so an unmatched request can be
 * told apart: a path that exists with other methods is 405 with `Allow`, not 404.
 */
export class RouteTable {
  private readonly routes: { method: string; pattern: RegExp }[] = [];

  add(method: string, url: string): void {
    // `/v1/resources/:id` → one non-empty segment per parameter; a trailing slash is optional
    // (the router ignores it too)
    const body = url
      .replace(/\/+$/, '')
      .split('/')
      .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    this.routes.push({ method: method.toUpperCase(), pattern: new RegExp(`^${body}/?$`) });
  }

  /** The methods registered for `path` (no query string), sorted; empty when none match. */
  allowedMethods(path: string): string[] {
    const methods = new Set(this.routes.filter((r) => r.pattern.test(path)).map((r) => r.method));
    return [...methods].sort();
  }
}

const tables = new WeakMap<FastifyInstance, RouteTable>();

/** The route table of a Fastify instance, filled by its onRoute hook (app.factory.ts). */
export function routeTableOf(fastify: FastifyInstance): RouteTable {
  let table = tables.get(fastify);
  if (!table) {
    table = new RouteTable();
    tables.set(fastify, table);
  }
  return table;
}
