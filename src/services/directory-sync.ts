import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { PassageClient } from '../passage/client.js';
import { isPassageNotFound } from '../passage/errors.js';
import type { PassageUserListItem } from '../passage/types.js';
import type { DirectoryService } from './directory.js';

export type SyncKind = 'full' | 'incremental' | 'sweep';

export type SyncReport = { kind: SyncKind; pages: number; applied: number; deleted: number; durationMs: number };

/** What the sync reports as it runs, for metrics; every method is optional. */
export type SyncObserver = {
  onRun?(report: SyncReport): void;
  onError?(kind: SyncKind): void;
};

export type DirectorySyncOptions = {
  directory: DirectoryService;
  database: Database;
  passage: PassageClient;
  log: Logger;
  syncIntervalMs: number;
  sweepIntervalMs: number;
  /** Users per list page. Default 500 (the list endpoint's largest page). */
  pageSize?: number;
  /** Pages one incremental run reads at most; the rest waits for the next run. Default 200. */
  maxPagesPerRun?: number;
  /** Deletion candidates one sweep confirms with a GET at most. Default 200. */
  maxConfirmationsPerSweep?: number;
  /**
   * How long after Passage stamps a change its commit may become visible. A change stamped before
   * the high-water mark but committed after the run that set it would be skipped, so the window
   * this long before a new mark is read once more (deduplicated) by the first run that starts this
   * long after the mark was seen. A commit later than this is still picked up by the next sweep,
   * which re-applies every listed user. Default 1000.
   */
  overlapMs?: number;
  observer?: SyncObserver;
  /** Wraps each scheduled run; with several instances, runs it on one only (a lease). Default: always runs. */
  exclusive?: <T>(run: () => Promise<T>) => Promise<T | undefined>;
};

// Deleted users one incremental run looks for at most (each search costs about log2(seconds
// between the oldest user's creation and now) list calls of one user); the sweep finds the rest.
const MAX_DELETION_SEARCHES = 10;
// Backoff while Passage fails: the interval doubles up to this.
const MAX_BACKOFF_MS = 5 * 60_000;

/**
 * Keeps the directory in step with Passage. A full sync (paged through the list endpoint, one
 * transaction per page, resumable from the saved page after a crash) runs first; then each run
 * reads only users changed since the high-water mark; a sweep walks the whole list to find users
 * deleted in Passage (the list never shows deletions). Runs are serialized; none blocks a request.
 * Timers start only in `start()`, which the server process calls; tests call `syncNow()`.
 */
export class DirectorySync {
  readonly #o: Required<Omit<DirectorySyncOptions, 'observer' | 'exclusive'>> & Pick<DirectorySyncOptions, 'exclusive'> & { observer: SyncObserver };
  #queue: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #failures = 0;
  #lastSweepAt = 0;
  #lastError: string | null = null;
  // The high-water mark whose overlap was last re-read, and when (our clock) the current mark was
  // first seen. In memory only: after a restart the overlap is read once more, which is safe.
  #settledMark: string | null = null;
  #markSeen: { mark: string | null; at: number } = { mark: null, at: 0 };
  // A surplus of directory entries over Passage's count that a deletion search did not explain.
  #unexplainedSurplus: number | null = null;

  constructor(opts: DirectorySyncOptions) {
    this.#o = { pageSize: 500, maxPagesPerRun: 200, maxConfirmationsPerSweep: 200, overlapMs: 1000, observer: {}, ...opts };
  }

  /** True once the first full sync finished (persisted, so also right after a restart). */
  get ready(): boolean {
    return this.#o.directory.syncState().fullSyncDoneAt !== null;
  }

  /** For /readyz, metrics and logs. */
  status(): { ready: boolean; lastSuccessAt: Date | null; users: number; consecutiveFailures: number; lastError: string | null } {
    const state = this.#o.directory.syncState();
    return {
      ready: state.fullSyncDoneAt !== null,
      lastSuccessAt: state.lastSuccessAt,
      users: this.#o.directory.count(),
      consecutiveFailures: this.#failures,
      lastError: this.#lastError,
    };
  }

  /** One run now (the full sync while it is unfinished, else an incremental one), after any run in progress. */
  syncNow(): Promise<SyncReport> {
    return this.#enqueue(() => (this.ready ? this.#incremental() : this.#full()));
  }

  /** One sweep for deleted users now, after any run in progress. */
  sweepNow(): Promise<SyncReport> {
    return this.#enqueue(() => this.#sweep());
  }

  /** Starts the background runs: at once, then every interval, backing off while Passage fails. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#lastSweepAt = Date.now();
    // Queued now, so a `syncNow()` right after start-up runs after it rather than before.
    void this.#tick();
  }

  /** Stops scheduling and waits for a run in progress. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await this.#queue.catch(() => undefined);
  }

  #schedule(delayMs: number): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => void this.#tick(), delayMs);
    // The sync alone must not keep the process alive.
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    const exclusive = this.#o.exclusive ?? ((run) => run());
    try {
      await exclusive(() => this.syncNow());
      if (Date.now() - this.#lastSweepAt >= this.#o.sweepIntervalMs) {
        this.#lastSweepAt = Date.now();
        await exclusive(() => this.sweepNow());
      }
    } catch {
      // Already logged and counted by the run.
    }
    const interval = this.#o.syncIntervalMs;
    if (this.#failures === 0) return this.#schedule(interval);
    // Jitter keeps several instances from hitting Passage in step after an outage.
    const backoff = Math.min(interval * 2 ** this.#failures, Math.max(MAX_BACKOFF_MS, interval));
    this.#schedule(backoff * (0.5 + Math.random() / 2));
  }

  #enqueue(run: () => Promise<SyncReport>): Promise<SyncReport> {
    const next = this.#queue.catch(() => undefined).then(run);
    this.#queue = next;
    return next;
  }

  async #observe(kind: SyncKind, run: (report: SyncReport) => Promise<void>): Promise<SyncReport> {
    const started = performance.now();
    const report: SyncReport = { kind, pages: 0, applied: 0, deleted: 0, durationMs: 0 };
    try {
      await run(report);
    } catch (err) {
      this.#failures += 1;
      this.#lastError = err instanceof Error ? err.message : String(err);
      report.durationMs = Math.round(performance.now() - started);
      this.#o.observer.onError?.(kind);
      this.#o.log.warn({ err, ...report, consecutiveFailures: this.#failures }, 'directory sync failed');
      throw err;
    }
    this.#failures = 0;
    this.#lastError = null;
    report.durationMs = Math.round(performance.now() - started);
    await this.#o.database.transaction((tx) => this.#o.directory.saveSyncStateInTx(tx, { lastSuccessAt: new Date() }));
    this.#o.observer.onRun?.(report);
    this.#o.log.info(report, 'directory sync run');
    return report;
  }

  /** Every page commits with the next page number, so a crash resumes where it stopped. */
  #full(): Promise<SyncReport> {
    return this.#observe('full', async (report) => {
      const { directory, database, passage, pageSize } = this.#o;
      let state = directory.syncState();
      if (state.fullSyncCreatedBefore === null) {
        // Users created or changed from here on are the incremental sync's: it starts at the newest
        // change Passage holds now, by Passage's own clock (ours may be ahead or behind). The
        // first page of that order is everyone when Passage has fewer users than a page: then it
        // is the whole full sync, and a small Passage costs one call, as before.
        const createdBefore = Math.floor(Date.now() / 1000) + 1;
        const newest = await passage.listUsers({ limit: pageSize, createdBefore, orderBy: 'updated_at:DESC' });
        report.pages += 1;
        const highWaterMark = newest.users[0]?.updatedAt ?? null;
        const everyone = newest.users.length < pageSize;
        this.#markSeen = { mark: highWaterMark, at: performance.now() };
        await database.transaction((tx) => {
          if (everyone) directory.applyListPageInTx(tx, newest.users);
          directory.saveSyncStateInTx(tx, {
            fullSyncPage: 1,
            fullSyncCreatedBefore: createdBefore,
            highWaterMark,
            ...(everyone ? { fullSyncDoneAt: new Date() } : {}),
          });
        });
        if (everyone) {
          report.applied += newest.users.length;
          return;
        }
        state = directory.syncState();
      }
      for (let page = state.fullSyncPage; ; page++) {
        const result = await passage.listUsers({ page, limit: pageSize, createdBefore: state.fullSyncCreatedBefore!, orderBy: 'created_at:ASC' });
        report.pages += 1;
        const last = result.users.length < pageSize;
        await database.transaction((tx) => {
          directory.applyListPageInTx(tx, result.users);
          directory.saveSyncStateInTx(tx, last ? { fullSyncPage: page + 1, fullSyncDoneAt: new Date() } : { fullSyncPage: page + 1 });
        });
        report.applied += result.users.length;
        if (last) return;
      }
    });
  }

  /**
   * Users changed since the high-water mark, oldest change first. Each page moves the mark to
   * the newest change it holds, except that users sharing the page's last timestamp are read again
   * by the next page, so none is skipped at a page boundary. Runs read strictly after the mark, except
   * that the `overlapMs` before a new mark are read again once, by the first run that starts
   * `overlapMs` after the mark was seen (a change committed late shows up there): a quiet Passage
   * costs one empty page per run.
   */
  #incremental(): Promise<SyncReport> {
    return this.#observe('incremental', async (report) => {
      const { directory, database, passage, pageSize, maxPagesPerRun, overlapMs } = this.#o;
      const mark = directory.syncState().highWaterMark ?? new Date(0).toISOString();
      const startedAt = performance.now();
      if (this.#markSeen.mark !== mark) this.#markSeen = { mark, at: startedAt };
      // Once every late commit stamped before the mark is visible, the overlap is read once; before
      // that, reading it would be too early, and after it, needless.
      const settles = this.#settledMark !== mark && startedAt - this.#markSeen.at >= overlapMs;
      let since = settles ? new Date(Math.max(0, Date.parse(mark) - overlapMs)).toISOString() : mark;
      let newest = mark;
      while (report.pages < maxPagesPerRun) {
        const result = await passage.listUsers({ page: 1, limit: pageSize, orderBy: 'updated_at:ASC', updatedAt: `gt:${since}` });
        report.pages += 1;
        await this.#applyPage(result.users, report);
        for (const u of result.users) if (stampKey(u.updatedAt) > stampKey(newest)) newest = u.updatedAt;
        if (result.users.length < pageSize) break;
        const lastStamp = result.users.at(-1)!.updatedAt;
        const before = result.users.filter((u) => stampKey(u.updatedAt) < stampKey(lastStamp)).at(-1);
        if (before) {
          since = before.updatedAt;
          continue;
        }
        // A whole page shares one timestamp: page through that instant, then go past it.
        for (let page = 2; report.pages < maxPagesPerRun; page++) {
          const same = await passage.listUsers({ page, limit: pageSize, orderBy: 'updated_at:ASC', updatedAt: lastStamp });
          report.pages += 1;
          await this.#applyPage(same.users, report);
          if (same.users.length < pageSize) break;
        }
        since = lastStamp;
      }
      await database.transaction((tx) => directory.saveSyncStateInTx(tx, { highWaterMark: newest }));
      if (settles) this.#settledMark = mark;
      if (newest !== mark) this.#markSeen = { mark: newest, at: performance.now() };
      report.deleted += await this.#findDeletions();
    });
  }

  /**
   * Users deleted in Passage, found within one sync interval. The list never shows a deleted user,
   * but its count does: when the directory holds more live users than Passage counts, someone was
   * deleted. Bisecting on the creation second (one count of each side per step) finds a second
   * holding more directory entries than Passage users, and a GET of each entry created in it
   * confirms (a 404 records the deletion). A user created after the run read the changes only
   * hides a deletion until the next run; whatever the bounds leave, the sweep finds. A surplus the
   * GETs could not explain is not searched again until it changes.
   */
  async #findDeletions(): Promise<number> {
    const { directory, passage, maxConfirmationsPerSweep } = this.#o;
    // Everyone created so far: the run has just read every creation up to about now.
    const end = Math.floor(Date.now() / 1000) + 1;
    const surplus = async (second: number) =>
      directory.countCreatedBefore(new Date(second * 1000)) - (await passage.listUsers({ limit: 1, createdBefore: second })).totalUsers;
    let deleted = 0;
    let confirmations = 0;
    for (let search = 0; search < MAX_DELETION_SEARCHES && confirmations < maxConfirmationsPerSweep; search++) {
      const total = await surplus(end);
      if (total <= 0 || total === this.#unexplainedSurplus) break;
      const oldest = directory.oldestCreatedAt();
      if (!oldest) break;
      // No live entry was created before `low`, so the surplus there is not positive; at `high` it is.
      let low = Math.min(Math.floor(oldest.getTime() / 1000), end - 1);
      let high = end;
      while (high - low > 1) {
        const mid = Math.floor((low + high) / 2);
        if ((await surplus(mid)) > 0) high = mid;
        else low = mid;
      }
      const candidates = directory.createdBetween(new Date(low * 1000), new Date(high * 1000), maxConfirmationsPerSweep - confirmations);
      let found = 0;
      for (const id of candidates) {
        confirmations += 1;
        try {
          await directory.apply(await passage.getUser(id), 'get');
        } catch (err) {
          if (!isPassageNotFound(err)) throw err;
          if (await directory.recordDeletion(id)) found += 1;
        }
      }
      deleted += found;
      if (found === 0) {
        this.#unexplainedSurplus = total;
        break;
      }
    }
    return deleted;
  }

  async #applyPage(page: PassageUserListItem[], report: SyncReport): Promise<void> {
    if (page.length === 0) return;
    await this.#o.database.transaction((tx) => this.#o.directory.applyListPageInTx(tx, page));
    report.applied += page.length;
  }

  /**
   * Walks the whole list, marking each user seen (and adding any the directory lacks); live
   * entries created before the walk began and not seen are confirmed one by one with a GET
   * (a 404 records the deletion), since a user can slip between pages while others are deleted.
   */
  #sweep(): Promise<SyncReport> {
    return this.#observe('sweep', async (report) => {
      const { directory, database, passage, pageSize, maxConfirmationsPerSweep } = this.#o;
      const run = directory.syncState().lastSweepRun + 1;
      const startedAt = new Date();
      const createdBefore = Math.floor(startedAt.getTime() / 1000) + 1;
      for (let page = 1; ; page++) {
        const result = await passage.listUsers({ page, limit: pageSize, createdBefore, orderBy: 'created_at:ASC' });
        report.pages += 1;
        await database.transaction((tx) => {
          directory.applyListPageInTx(tx, result.users);
          directory.markSweptInTx(
            tx,
            result.users.map((u) => u.id),
            run,
          );
        });
        if (result.users.length < pageSize) break;
      }
      await database.transaction((tx) => directory.saveSyncStateInTx(tx, { lastSweepRun: run }));
      // A user created after the walk began is not listed; the GET below finds them alive.
      const candidates = directory.unsweptBefore(run, startedAt, maxConfirmationsPerSweep);
      for (const id of candidates) {
        try {
          const user = await passage.getUser(id);
          await directory.apply(user, 'get');
        } catch (err) {
          if (!isPassageNotFound(err)) throw err;
          if (await directory.recordDeletion(id)) report.deleted += 1;
        }
      }
    });
  }
}

/** Passage's timestamps as comparable strings: the fraction padded to nanoseconds. */
export function stampKey(stamp: string): string {
  const m = /^(.{19})(?:\.(\d{1,9}))?Z$/.exec(stamp);
  if (!m) return new Date(stamp).toISOString().slice(0, 19) + '.000000000';
  return `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}`;
}
