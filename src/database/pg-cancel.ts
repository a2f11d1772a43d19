import pg from 'pg';

/**
 * Stops the statement that backend `pid` runs now (it fails with 57014), from a short connection
 * of its own as the same role: `pg_cancel_backend` lets a role cancel its own backends. Never a
 * pooled connection, which may all be busy, exactly when a client gives up. Resolves once
 * Postgres has answered, or after `timeoutMs`; never throws. A backend that is idle ignores it.
 */
export async function cancelBackend(connectionString: string, pid: number, timeoutMs = 2000): Promise<void> {
  const client = new pg.Client({
    connectionString,
    application_name: 'tenancy-cancel',
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  client.on('error', () => undefined); // a dropped cancel connection is not the request's problem
  try {
    await client.connect();
    await client.query('SELECT pg_cancel_backend($1)', [pid]);
  } catch {
    // best effort: the ROLLBACK that follows ends the transaction either way
  } finally {
    await client.end().catch(() => undefined);
  }
}
