import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MachineInfo } from './machine.js';
import type { BenchOptions, ScenarioResult } from './types.js';

export interface BenchReport {
  generatedAt: string;
  command: string;
  mode: 'quick' | 'full';
  seconds: number;
  machine: MachineInfo;
  database: { kind: 'embedded' | 'external'; notes: string[] };
  app: { nodeEnv: string; dbPoolSize: number; tenantCacheMax: number; tenantCacheTtlMs: number; logLevel: string };
  options: BenchOptions;
  scenarios: ScenarioResult[];
}

const fmt = (n: number | undefined) =>
  n === undefined || Number.isNaN(n) ? '–' : Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(3);

const statusCell = (s: ScenarioResult) =>
  s.status === 'met'
    ? '✅ met'
    : s.status === 'missed'
      ? '❌ missed'
      : s.status === 'measured'
        ? 'measured (no ratio target)'
        : s.status === 'not run'
          ? `not run: ${s.reason}`
          : `failed: ${s.reason}`;

export function renderMarkdown(r: BenchReport): string {
  const out: string[] = [];
  out.push(`# Benchmark results (${r.mode})`, '');
  out.push(
    `Generated ${r.generatedAt} by \`${r.command}\` in ${Math.round(r.seconds)} s. ` +
      `Every comparison ran A, B, A, B … in the same run; ratios are ratios of medians ` +
      `(A ÷ B, A = with tenant isolation, B = the baseline unless named otherwise).`,
    '',
  );
  const m = r.machine;
  out.push('| machine | |', '|---|---|');
  out.push(`| cores | ${m.cores} × ${m.cpuModel} |`);
  out.push(`| memory | ${m.memoryGiB} GiB (${m.freeMemoryGiB} GiB free at start) |`);
  out.push(`| load average at start | ${m.loadAverage?.join(' / ') ?? '–'} |`);
  out.push(`| OS | ${m.os} |`);
  out.push(`| Node | ${m.node} |`);
  out.push(`| Postgres | ${m.postgres} (${r.database.kind}) |`);
  out.push(
    `| app | NODE_ENV=${r.app.nodeEnv}, DB_POOL_SIZE=${r.app.dbPoolSize}, tenant cache ${r.app.tenantCacheMax} entries / ${r.app.tenantCacheTtlMs} ms, log level ${r.app.logLevel} |`,
  );
  const o = r.options;
  out.push(
    `| load | ${o.rounds} rounds × ${o.legSec} s per leg, ${o.connections} HTTP connections, ${o.dbWorkers} database workers |`,
  );
  out.push(`| data | ${o.tenants} tenants × ${o.resourcesPerTenant} resources in the main database |`);
  out.push('');
  for (const n of r.database.notes) out.push(`- ${n}`);
  if (r.database.notes.length) out.push('');

  out.push('## Summary', '', '| # | scenario | target | result | status |', '|---|---|---|---|---|');
  for (const s of r.scenarios) {
    out.push(`| ${s.id} | ${s.title} | ${s.target} | ${s.summary || '–'} | ${statusCell(s)} |`);
  }
  out.push('');

  for (const s of r.scenarios) {
    out.push(`## ${s.id}. ${s.title}`, '');
    out.push(`Target: ${s.target}. Status: ${statusCell(s)} (${Math.round(s.seconds)} s).`, '');
    if (s.comparisons.length) {
      out.push('| comparison | metric | A | B | median A | median B | A/B | target | met |');
      out.push('|---|---|---|---|---|---|---|---|---|');
      for (const c of s.comparisons) {
        out.push(
          `| ${c.name} | ${c.metric} (${c.unit}) | ${c.a} | ${c.b} | ${fmt(c.medianA)} | ${fmt(c.medianB)} | ${c.ratio.toFixed(3)} | ${c.target ?? '–'} | ${c.met === undefined ? '–' : c.met ? 'yes' : 'no'} |`,
        );
      }
      out.push('');
    }
    const metrics = Object.entries(s.metrics);
    if (metrics.length) {
      out.push('| figure | value |', '|---|---|');
      for (const [k, v] of metrics) out.push(`| ${k} | ${typeof v === 'number' ? fmt(v) : v} |`);
      out.push('');
    }
    for (const n of s.notes) out.push(`- ${n}`);
    if (s.notes.length) out.push('');
  }
  return out.join('\n');
}

export function writeReport(dir: string, r: BenchReport, basename = 'latest'): { json: string; md: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${basename}.json`);
  const md = join(dir, `${basename}.md`);
  writeFileSync(json, JSON.stringify(r, null, 2) + '\n');
  writeFileSync(md, renderMarkdown(r) + '\n');
  return { json, md };
}
