import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { Sample } from './ab.js';

// CPU time of processes from /proc (Linux): user + system, all threads, in milliseconds.
let ticksPerSec: number | undefined;
function msPerTick(): number {
  ticksPerSec ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return 1000 / ticksPerSec;
}

/** [comm, utime + stime in ticks] of one process, or undefined once it is gone. */
function statOf(pid: string): [string, number] | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // the command name is in parentheses and may hold spaces; the fields after it are positional
  const close = stat.lastIndexOf(')');
  const comm = stat.slice(stat.indexOf('(') + 1, close);
  const fields = stat.slice(close + 2).split(' ');
  return [comm, Number(fields[11]) + Number(fields[12])]; // utime, stime (fields 14 and 15)
}

/** CPU time used so far by process `pid`, in ms. */
export function processCpuMs(pid: number): number {
  const s = statOf(String(pid));
  if (!s) throw new Error(`process ${pid} is gone`);
  return s[1] * msPerTick();
}

/**
 * CPU time used so far by every process named `postgres` on this machine, in ms. A backend that
 * exits between two readings takes its time with it, so a leg's difference is a lower bound.
 */
export function postgresCpuMs(): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const s = statOf(pid);
    if (s && s[0] === 'postgres') ticks += s[1];
  }
  return ticks * msPerTick();
}

/**
 * Runs `leg` and adds the app's and Postgres's CPU per answered request, in µs, to its sample.
 * `requests` must be in the sample (httpLoad's count of 2xx answers).
 */
export async function withCpu(appPid: number, leg: () => Promise<Sample>): Promise<Sample> {
  const app0 = processCpuMs(appPid);
  const pg0 = postgresCpuMs();
  const s = await leg();
  const n = Math.max(1, s.requests ?? 0);
  return {
    ...s,
    appCpuUs: Math.round(((processCpuMs(appPid) - app0) * 1000) / n),
    pgCpuUs: Math.round(((postgresCpuMs() - pg0) * 1000) / n),
  };
}
