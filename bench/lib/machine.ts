import { cpus, totalmem, freemem, release, platform, arch } from 'node:os';
import pg from 'pg';

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  freeMemoryGiB: number;
  os: string;
  node: string;
  postgres: string;
  loadAverage?: number[];
}

/** The machine the figures came from: cores, memory, Node and Postgres versions. */
export async function machineInfo(databaseUrl: string): Promise<MachineInfo> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  let postgres: string;
  try {
    const { rows } = await client.query('SELECT version() AS v');
    postgres = String(rows[0].v).split(' on ')[0];
  } finally {
    await client.end();
  }
  const gib = (n: number) => Math.round((n / 2 ** 30) * 10) / 10;
  const { loadavg } = await import('node:os');
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model?.trim() ?? 'unknown',
    memoryGiB: gib(totalmem()),
    freeMemoryGiB: gib(freemem()),
    os: `${platform()} ${release()} ${arch()}`,
    node: process.version,
    postgres,
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}
