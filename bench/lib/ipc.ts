import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * The small IPC protocol between the bench driver and the processes it starts. Each child sends
 * `ready` once it listens, then answers numbered requests; `stats` and `close` are common to all.
 */
export type ReadyMessage = { type: 'ready'; url: string; info?: Record<string, unknown> };
export type RequestMessage = { type: 'request'; id: number; cmd: string; args?: unknown };
export type ReplyMessage = { type: 'reply'; id: number; ok: true; result: unknown } | { type: 'reply'; id: number; ok: false; error: string };

export type ProcessStats = {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  /** Microseconds of CPU since the process started. */
  cpuUser: number;
  cpuSystem: number;
};

export type Handlers = Record<string, (args: unknown) => unknown>;

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function stats(): ProcessStats {
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  return { rss: mem.rss, heapUsed: mem.heapUsed, heapTotal: mem.heapTotal, external: mem.external, cpuUser: cpu.user, cpuSystem: cpu.system };
}

/**
 * Child side: announces readiness and serves the driver's requests. `close` runs `onClose` and
 * exits; the child also exits when the driver goes away (the IPC channel closes).
 */
export function serveIpc(ready: Omit<ReadyMessage, 'type'>, handlers: Handlers, onClose: () => Promise<void>): void {
  const send = (message: ReadyMessage | ReplyMessage) => process.send?.(message);
  let closing = false;
  const close = async () => {
    if (closing) return;
    closing = true;
    const timer = setTimeout(() => process.exit(1), 10_000);
    timer.unref();
    await onClose().catch((err: unknown) => process.stderr.write(`bench child: close failed: ${String(err)}\n`));
  };
  process.on('message', (raw: unknown) => {
    const message = raw as RequestMessage;
    if (message?.type !== 'request') return;
    const reply = (result: unknown) => send({ type: 'reply', id: message.id, ok: true, result });
    const fail = (err: unknown) => send({ type: 'reply', id: message.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    if (message.cmd === 'stats') return void reply(stats());
    if (message.cmd === 'gc') {
      (globalThis as { gc?: () => void }).gc?.();
      return void reply(stats());
    }
    if (message.cmd === 'close') {
      void close().then(() => {
        reply(true);
        // Let the reply flush before the channel goes.
        setImmediate(() => process.exit(0));
      });
      return;
    }
    const handler = handlers[message.cmd];
    if (!handler) return void fail(new Error(`unknown command ${message.cmd}`));
    Promise.resolve()
      .then(() => handler(message.args))
      .then(reply, fail);
  });
  process.on('disconnect', () => {
    void close().then(() => process.exit(0));
  });
  send({ type: 'ready', ...ready });
}

/** Driver side: one forked child, its ready message and a request/reply channel. */
export class Child {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #nextId = 1;
  #closing = false;
  /** Set when the process ended without being asked to (a crash). */
  crashed: string | undefined;
  readonly ready: Promise<ReadyMessage>;
  readonly forkedAt: number;
  /** performance.now() when the ready message arrived. */
  readyAt = 0;

  private constructor(
    readonly name: string,
    file: string,
    env: Record<string, string>,
    execArgv: string[],
  ) {
    this.forkedAt = performance.now();
    this.#child = fork(file, [], {
      cwd: ROOT,
      // A bundle built by bundleServer() runs with plain node, as `npm start` runs dist/main.js.
      execArgv: file.endsWith('.mjs') ? execArgv : ['--import', 'tsx', ...execArgv],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    this.ready = new Promise<ReadyMessage>((resolve, reject) => {
      this.#child.on('message', (raw: unknown) => {
        const message = raw as ReadyMessage | ReplyMessage;
        if (message.type === 'ready') {
          this.readyAt = performance.now();
          resolve(message);
        } else if (message.type === 'reply') {
          const pending = this.#pending.get(message.id);
          if (!pending) return;
          this.#pending.delete(message.id);
          if (message.ok) pending.resolve(message.result);
          else pending.reject(new Error(`${this.name}: ${message.error}`));
        }
      });
      this.#child.on('exit', (code, signal) => {
        const why = `${this.name} exited (code ${code}, signal ${signal})`;
        if (!this.#closing) this.crashed = why;
        reject(new Error(why));
        for (const pending of this.#pending.values()) pending.reject(new Error(why));
        this.#pending.clear();
      });
    });
    // The ready promise may be rejected after it resolved; nothing to report then.
    this.ready.catch(() => undefined);
  }

  /** Forks `file` (a path under bench/) and waits for its ready message. */
  static async start(
    name: string,
    file: string,
    env: Record<string, string> = {},
    opts: { execArgv?: string[]; timeoutMs?: number } = {},
  ): Promise<{ child: Child; ready: ReadyMessage }> {
    const child = new Child(name, fileURLToPath(new URL(`../${file}`, import.meta.url)), env, opts.execArgv ?? []);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${name} was not ready within ${opts.timeoutMs ?? 30_000} ms`)), opts.timeoutMs ?? 30_000);
    });
    try {
      const ready = await Promise.race([child.ready, timeout]);
      return { child, ready };
    } catch (err) {
      child.kill();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  call<T>(cmd: string, args?: unknown): Promise<T> {
    if (this.crashed) return Promise.reject(new Error(this.crashed));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#child.send({ type: 'request', id, cmd, args } satisfies RequestMessage);
    });
  }

  stats(): Promise<ProcessStats> {
    return this.call<ProcessStats>('stats');
  }

  /** Asks the child to close cleanly; kills it when it does not exit in time. */
  async close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#closing = true;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.call('close').catch(() => undefined);
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  kill(): void {
    this.#closing = true;
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
  }
}

/**
 * Bundles a server under bench/ (esbuild, packages left in node_modules) into bench/.build/, so
 * it runs as `npm start` runs passgraph: without tsx, whose name-keeping helper adds a call for
 * every closure our code creates and Apollo's prebuilt code never pays. Returns the path to pass
 * to `Child.start`.
 */
export async function bundleServer(file: string): Promise<string> {
  const { build } = await import('esbuild');
  const out = `.build/${file.replace(/^servers\//, '').replace(/\.ts$/, '.mjs')}`;
  await build({
    entryPoints: [fileURLToPath(new URL(`../${file}`, import.meta.url))],
    outfile: fileURLToPath(new URL(`../${out}`, import.meta.url)),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  return out;
}
