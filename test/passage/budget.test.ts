import { describe, expect, it } from 'vitest';
import { UpstreamBudget } from '../../src/passage/budget.js';
import { FairLimiter } from '../../src/passage/fair-limiter.js';

/** A task that runs until the test lets it finish, recording when it started. */
function gated(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    finish: () => finish(),
    fn: async () => {
      log.push(name);
      await done;
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('FairLimiter (issue 10 item 9: one request never starves another)', () => {
  it('keeps slots free for others: one owner holds at most perOwnerMax', async () => {
    const limiter = new FairLimiter({ max: 4 });
    expect(limiter.perOwnerMax).toBe(3);
    const big = {};
    const log: string[] = [];
    const tasks = Array.from({ length: 50 }, (_, i) => gated(log, `big${i}`));
    const runs = tasks.map((t) => limiter.run(big, t.fn));
    await tick();
    expect(limiter.active(big)).toBe(3);
    expect(limiter.waiting(big)).toBe(47);

    // A bystander starts at once, in the slot the big request may not take.
    const bystander = gated(log, 'bystander');
    const run = limiter.run({}, bystander.fn);
    await tick();
    expect(log).toEqual(['big0', 'big1', 'big2', 'bystander']);
    bystander.finish();
    await run;
    for (const t of tasks) t.finish();
    await Promise.all(runs);
    expect(limiter.active()).toBe(0);
  });

  it('hands a freed slot to the owners in turn, not to the longest queue', async () => {
    const limiter = new FairLimiter({ max: 2, perOwnerMax: 2 });
    const a = {};
    const b = {};
    const log: string[] = [];
    const aTasks = Array.from({ length: 20 }, (_, i) => gated(log, `a${i}`));
    const aRuns = aTasks.map((t) => limiter.run(a, t.fn));
    await tick();
    const bTasks = [gated(log, 'b0'), gated(log, 'b1')];
    const bRuns = bTasks.map((t) => limiter.run(b, t.fn));
    await tick();
    expect(log).toEqual(['a0', 'a1']);

    for (const t of aTasks.slice(0, 4)) {
      t.finish();
      await tick();
    }
    // Freed slots alternate between the owners, although a queued 18 calls before b's two.
    expect(log).toEqual(['a0', 'a1', 'a2', 'b0', 'a3', 'b1']);
    for (const t of [...aTasks, ...bTasks]) t.finish();
    await Promise.all([...aRuns, ...bRuns]);
  });

  it('gives up waiting at the budget deadline without running the call, and frees its place', async () => {
    const limiter = new FairLimiter({ max: 1 });
    const log: string[] = [];
    const holder = gated(log, 'holder');
    const held = limiter.run({}, holder.fn);
    const budget = new UpstreamBudget({ maxCalls: 10, deadlineMs: 30 });
    const waiting = limiter.run(budget, async () => void log.push('late'), budget);
    await expect(waiting).rejects.toMatchObject({ code: 'deadline_exceeded' });
    expect(limiter.waiting()).toBe(0);
    holder.finish();
    await held;
    expect(log).toEqual(['holder']);
    expect(limiter.active()).toBe(0);
  });
});

describe('UpstreamBudget', () => {
  it('counts calls and refuses the one past the limit', () => {
    const refused: string[] = [];
    const budget = new UpstreamBudget({ maxCalls: 2, deadlineMs: 10_000, onRefused: (r) => refused.push(r) });
    budget.take();
    budget.take();
    expect(() => budget.take()).toThrow(expect.objectContaining({ code: 'budget_exceeded' }));
    expect(budget.calls).toBe(2);
    expect(refused).toEqual(['calls']);
  });

  it('refuses every call once its one deadline has passed', () => {
    let now = 0;
    const budget = new UpstreamBudget({ maxCalls: 100, deadlineMs: 2500, now: () => now });
    budget.take();
    now = 2499;
    expect(budget.remainingMs()).toBe(1);
    budget.take();
    now = 2500;
    expect(budget.canCall()).toBe(false);
    expect(() => budget.take()).toThrow(expect.objectContaining({ code: 'deadline_exceeded' }));
  });

  it("bounds a wait for someone else's call by the deadline", async () => {
    const budget = new UpstreamBudget({ maxCalls: 1, deadlineMs: 20 });
    await expect(budget.within(new Promise(() => {}))).rejects.toMatchObject({ code: 'deadline_exceeded' });
    await expect(new UpstreamBudget({ maxCalls: 1, deadlineMs: 1000 }).within(Promise.resolve(7))).resolves.toBe(7);
  });
});
