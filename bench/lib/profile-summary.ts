import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a function's code lives: a package, a file of the service, Node itself, or V8. */
function bucketOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === '(garbage collector)') return 'V8: garbage collector';
    if (functionName === '(program)') return 'V8: (program)';
    if (functionName === '(idle)') return '(idle)';
    return `V8/native: ${functionName || '(anonymous)'}`;
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `package: ${pkg[1]}`;
  const own = /\/dist\/((?:src|bench)\/.+?)\.js/.exec(url);
  if (own) return `service: ${own[1]}`;
  if (url.startsWith('node:')) return `Node: ${url.slice(5).split('/')[0]}`;
  return `other: ${url}`;
}

/**
 * Self time of a V8 CPU profile by where the code lives (package, service file, Node module),
 * in µs per request, busiest first; idle time left out. V8 samples the main thread's wall
 * clock: a native call that blocks or is descheduled (a socket write that wakes Postgres on a
 * busy machine) counts with the time it waited, so /proc's CPU time is the figure to trust and
 * this the breakdown.
 */
export function profileSummary(file: string, requests: number, top = 20): { bucket: string; usPerRequest: number; share: number }[] {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  // the profiler's own work (starting, stopping, serialising the profile) is not the app's
  const skip = new Set<number>();
  const mark = (id: number) => {
    skip.add(id);
    for (const c of byId.get(id)?.children ?? []) mark(c);
  };
  for (const n of p.nodes) if (n.callFrame.functionName === 'profileCommand') mark(n.id);
  const selfUs = new Map<string, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const node = byId.get(p.samples[i]);
    if (!node || skip.has(node.id)) continue;
    const b = bucketOf(node.callFrame);
    selfUs.set(b, (selfUs.get(b) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  selfUs.delete('(idle)');
  const busy = [...selfUs.values()].reduce((a, b) => a + b, 0);
  return [...selfUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([bucket, us]) => ({ bucket, usPerRequest: Math.round(us / Math.max(1, requests)), share: Math.round((us / busy) * 1000) / 10 }));
}
