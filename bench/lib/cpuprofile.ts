import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The parts of a V8 .cpuprofile the summary reads. */
type ProfileNode = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
export type CpuProfile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

export type Frame = { name: string; where: string; selfMs: number; totalMs: number; selfPct: number; totalPct: number };
export type Group = { group: string; selfMs: number; selfPct: number };

/** Where a frame's code lives: a package, a file of ours, node internals or V8 itself. */
function locate(url: string, root: string): { where: string; group: string } {
  if (url === '') return { where: '(native)', group: '(native / V8)' };
  if (url.startsWith('node:internal/deps/')) return { where: url, group: `node internals (${url.split('/')[2]})` };
  if (url.startsWith('node:')) return { where: url, group: `node internals (${url.split('/').slice(0, 2).join('/')})` };
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const inModules = path.lastIndexOf('node_modules/');
  if (inModules >= 0) {
    const rest = path.slice(inModules + 'node_modules/'.length).split('/');
    const pkg = rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
    return { where: path.slice(inModules + 'node_modules/'.length), group: pkg };
  }
  const rel = relative(root, path);
  return { where: rel, group: rel.startsWith('src/') || rel.startsWith('bench/') ? rel : `(other) ${rel}` };
}

/**
 * Self and total (inclusive) time per function and self time per package or source file. Idle
 * and GC are frames of their own ("(idle)", "(garbage collector)").
 */
export function summariseProfile(profile: CpuProfile, root: string): { totalMs: number; busyMs: number; frames: Frame[]; groups: Group[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'}\u0000${n.callFrame.url}:${n.callFrame.lineNumber + 1}`;

  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const groups = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const node = byId.get(profile.samples[i]!);
    if (!node) continue;
    totalUs += dt;
    if (node.callFrame.functionName === '(idle)') {
      idleUs += dt;
      continue;
    }
    const key = keyOf(node);
    self.set(key, (self.get(key) ?? 0) + dt);
    const group = node.callFrame.functionName === '(garbage collector)' ? '(garbage collector)' : locate(node.callFrame.url, root).group;
    groups.set(group, (groups.get(group) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const k = keyOf(byId.get(id)!);
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + dt);
    }
  }
  const busyUs = totalUs - idleUs;
  const frames: Frame[] = [...total.entries()].map(([key, t]) => {
    const [name, at] = key.split('\u0000') as [string, string];
    const colon = at.lastIndexOf(':');
    const { where } = locate(at.slice(0, colon), root);
    const s = self.get(key) ?? 0;
    return { name, where: `${where}:${at.slice(colon + 1)}`, selfMs: s / 1000, totalMs: t / 1000, selfPct: (100 * s) / busyUs, totalPct: (100 * t) / busyUs };
  });
  return {
    totalMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    frames,
    groups: [...groups.entries()].map(([group, us]) => ({ group, selfMs: us / 1000, selfPct: (100 * us) / busyUs })).sort((a, b) => b.selfMs - a.selfMs),
  };
}
