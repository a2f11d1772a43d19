import pg from 'pg';
import { PreparingClient } from '../../src/database/prepared-statements.js';
import { RuntimeClient } from '../../src/database/runtime-client.js';
import { SkippedStatementError, SyncedStatements } from '../../src/database/synced-statements.js';
import { testEndpoints } from '../helpers/env.js';

/** pg's per-connection record of named statements (pg/lib/connection.js) */
interface ConnectionRecords {
  parsedStatements: Record<string, string>;
  submittedNamedStatements: Record<string, string>;
}

// Several statements under one Sync (synced-statements.ts), as the runtime role, on a connection
// like the pools' (pipeline mode on and off): each statement's answer goes to its own caller, a
// failure ends the batch cleanly, and the connection is left idle and reusable.
describe.each([true, false])('statements under one Sync (pipeline mode %s)', (pipeline) => {
  let client: PreparingClient;
  const records = () => (client as unknown as { connection: ConnectionRecords }).connection;
  // pg answers a submitted query object with the object itself: each statement's answer is awaited
  const send = (...statements: Array<ReturnType<RuntimeClient['statement']>>) =>
    void client.query(new SyncedStatements(statements.map((s) => s.query)) as unknown as string);
  const nameOf = (s: ReturnType<RuntimeClient['statement']>) => (s.query as unknown as { name?: string }).name;
  const settled = (p: Promise<pg.QueryResult>) => p.then((r) => r.rows, (err: Error) => err);

  beforeEach(async () => {
    client = new PreparingClient({ connectionString: testEndpoints().tenantUrl, pipeline } as pg.ClientConfig);
    await client.connect();
  });
  afterEach(() => client.end());

  it('answers each statement with its own rows, parsed with the client’s types', async () => {
    const a = client.statement('SELECT $1::int AS n', [41]);
    const b = client.statement('SELECT $1::text AS s, now() AS t', ['x']);
    const c = client.statement("SELECT set_config('app.probe', 'on', true) AS v");
    send(a, b, c);
    expect((await a.answer).rows).toEqual([{ n: 41 }]);
    const [row] = (await b.answer).rows;
    expect(row.s).toBe('x');
    expect(row.t).toBeInstanceOf(Date);
    expect((await c.answer).rows).toEqual([{ v: 'on' }]);
    expect(client.getTransactionStatus()).toBe('I'); // the Sync ended their implicit transaction
  });

  it('parses with this client’s own type parsers, not only pg’s global ones', async () => {
    client.setTypeParser(pg.types.builtins.INT4, 'text', (v: string) => `int4:${v}`);
    const a = client.statement('SELECT $1::int AS n', [7]);
    send(a);
    expect((await a.answer).rows).toEqual([{ n: 'int4:7' }]);
  });

  it('runs them in one transaction: a failure rolls back the work before it, skips the rest, and leaves the connection idle', async () => {
    const before = client.statement("SELECT set_config('app.probe', 'before', false) AS v");
    const failing = client.statement('SELECT 1 / $1::int AS n', [0]);
    const after = client.statement("SELECT set_config('app.probe', 'after', false) AS v");
    send(before, failing, after);
    expect(await settled(before.answer)).toEqual([{ v: 'before' }]);
    expect(await settled(failing.answer)).toMatchObject({ code: '22012' }); // division by zero
    expect(await settled(after.answer)).toBeInstanceOf(SkippedStatementError);
    // neither setting survived: the first was rolled back with the batch, the last never ran
    const { rows } = await client.query("SELECT current_setting('app.probe', true) AS v");
    expect(rows[0].v ?? '').toBe('');
    expect(client.getTransactionStatus()).toBe('I');
  });

  it('keeps the names the server parsed and forgets the ones it did not, so they are parsed again', async () => {
    const good = client.statement('SELECT $1::int + 1 AS n', [1]);
    const bad = client.statement('SELECT $1::int + no_such_column AS n', [1]); // fails at Parse
    const skipped = client.statement('SELECT $1::int + 2 AS n', [1]);
    for (const s of [good, bad, skipped]) expect(nameOf(s)).toMatch(/^tq_/);
    send(good, bad, skipped);
    expect(await settled(bad.answer)).toMatchObject({ code: '42703' });
    expect(await settled(skipped.answer)).toBeInstanceOf(SkippedStatementError);
    const { parsedStatements, submittedNamedStatements } = records();
    expect(Object.keys(parsedStatements)).toEqual([nameOf(good)]);
    expect(submittedNamedStatements).toEqual({});

    // the next batch binds the parsed one without a Parse, and parses the skipped one afresh
    const again = client.statement('SELECT $1::int + 1 AS n', [5]);
    const skippedAgain = client.statement('SELECT $1::int + 2 AS n', [5]);
    send(again, skippedAgain);
    expect(await settled(again.answer)).toEqual([{ n: 6 }]);
    expect(await settled(skippedAgain.answer)).toEqual([{ n: 7 }]);
    expect(Object.keys(records().parsedStatements).sort()).toEqual([nameOf(good), nameOf(skippedAgain)].sort());
  });

  it('inside an open transaction, a failure skips the COMMIT behind it and leaves the transaction for a ROLLBACK', async () => {
    await client.query('BEGIN');
    await client.query("SELECT set_config('app.probe', 'in-tx', false)");
    const failing = client.statement('SELECT 1 / $1::int AS n', [0]);
    const commit = client.statement('COMMIT');
    send(failing, commit);
    expect(await settled(failing.answer)).toMatchObject({ code: '22012' });
    expect(await settled(commit.answer)).toBeInstanceOf(SkippedStatementError);
    // (pg answers an error before the ReadyForQuery that reports the transaction's state)
    await expect(client.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' }); // in failed transaction
    expect(client.getTransactionStatus()).toBe('E');
    await client.query('ROLLBACK');
    const { rows } = await client.query("SELECT current_setting('app.probe', true) AS v");
    expect(rows[0].v ?? '').toBe('');
  });

  it('refuses a value pg cannot send before writing anything', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const ok = client.statement('SELECT 1 AS n');
    const bad = client.statement('SELECT $1::jsonb AS j', [cyclic]);
    send(ok, bad);
    expect(await settled(ok.answer)).toBeInstanceOf(TypeError); // the batch's error: it failed whole
    expect(await settled(bad.answer)).toBeInstanceOf(SkippedStatementError);
    // nothing was sent: the connection answers the next query as usual
    expect((await client.query('SELECT 2 AS n')).rows).toEqual([{ n: 2 }]);
    expect(client.getTransactionStatus()).toBe('I');
  });
});
