import DataLoader from 'dataloader';
import type { MembershipRow, OrgRow, UserRow } from '../db/schema/index.js';
import type { MembershipService } from '../services/membership.js';
import type { OrgService } from '../services/org.js';
import type { PassageReader, Read } from '../passage/cache.js';
import type { UpstreamBudget } from '../passage/budget.js';
import type { PassageApp, PassageDevice } from '../passage/types.js';
import type { UserService } from '../services/user.js';
import type { DirectoryEntry, DirectoryService } from '../services/directory.js';
import { notFound } from '../errors.js';

export type LoaderDeps = {
  users: UserService;
  orgs: OrgService;
  memberships: MembershipService;
  reader: PassageReader;
  directory: DirectoryService;
  /** The request's allowance of Passage calls and time; every Passage read spends from it. */
  budget: UpstreamBudget;
  /** Called when a value had to be served from an expired cache entry. */
  onStale: () => void;
};

// Well under SQLite's bound-parameter limit, and a sane fan-out for Passage.
const MAX_BATCH = 200;

/**
 * One set per request: deduplicates lookups within the request and never shares data between
 * viewers. Passage has no batch-get endpoint, so a Passage batch is parallel single gets. Each
 * loader is built on first use: most requests need one or two of them.
 */
export class Loaders {
  readonly #deps: LoaderDeps;
  #org: DataLoader<string, OrgRow | null> | undefined;
  #membershipsOfUser: DataLoader<string, MembershipRow[]> | undefined;
  #user: DataLoader<string, UserRow | null> | undefined;
  #directoryUser: DataLoader<string, DirectoryEntry> | undefined;
  #passageDevices: DataLoader<string, PassageDevice[]> | undefined;
  #app: DataLoader<string, PassageApp> | undefined;
  // Live directory entries this request already holds, for fields that can then answer without a promise.
  readonly #entries = new Map<string, DirectoryEntry>();
  // Local user rows this request already holds, likewise.
  readonly #users = new Map<string, UserRow>();

  constructor(deps: LoaderDeps) {
    this.#deps = deps;
  }

  get org(): DataLoader<string, OrgRow | null> {
    const { orgs } = this.#deps;
    this.#org ??= new DataLoader(
      async (ids) => {
        const byId = new Map((await orgs.findByIds(ids)).map((o) => [o.id, o]));
        return ids.map((id) => byId.get(id) ?? null);
      },
      { maxBatchSize: MAX_BATCH },
    );
    return this.#org;
  }

  /** Each user's first page of memberships (at most MAX_MEMBERSHIPS_PAGE rows), oldest first. */
  get membershipsOfUser(): DataLoader<string, MembershipRow[]> {
    const { memberships } = this.#deps;
    this.#membershipsOfUser ??= new DataLoader(
      async (userIds) => {
        const rows = await memberships.forUsers(userIds);
        return userIds.map((id) => rows.filter((r) => r.userId === id));
      },
      { maxBatchSize: MAX_BATCH },
    );
    return this.#membershipsOfUser;
  }

  get user(): DataLoader<string, UserRow | null> {
    const { users } = this.#deps;
    this.#user ??= new DataLoader(
      async (ids) => {
        const rows = await users.findByIds(ids);
        const byId = new Map(rows.map((r) => [r.id, r]));
        for (const row of rows) this.#users.set(row.id, row);
        return ids.map((id) => byId.get(id) ?? null);
      },
      { maxBatchSize: MAX_BATCH },
    );
    return this.#user;
  }

  /**
   * A live user's Passage fields, from the directory in one query per batch; a user the
   * directory has never seen is fetched from Passage once (first sight). Deleted users are
   * `NOT_FOUND`.
   */
  get directoryUser(): DataLoader<string, DirectoryEntry> {
    const { directory, users, budget } = this.#deps;
    this.#directoryUser ??= new DataLoader(
      async (ids) => {
        const byId = new Map(directory.getMany(ids).map((e) => [e.id, e]));
        return settle(
          ids.map(async (id) => {
            const entry = byId.get(id) ?? (await users.firstSight(id, budget));
            if (entry.deletedAt) throw notFound('The user');
            this.#entries.set(id, entry);
            return entry;
          }),
        );
      },
      { maxBatchSize: MAX_BATCH },
    );
    return this.#directoryUser;
  }

  /** A local user row known from elsewhere (the viewer's check, a write's answer). */
  primeUser(row: UserRow): void {
    this.user.clear(row.id).prime(row.id, row);
    this.#users.set(row.id, row);
  }

  forgetUser(id: string): void {
    this.#user?.clear(id);
    this.#users.delete(id);
  }

  /** The local row when this request already loaded it; undefined otherwise (then use `user`). */
  knownUser(id: string): UserRow | undefined {
    return this.#users.get(id);
  }

  /**
   * Reads the local rows and live directory entries of a page's users in one statement each, so
   * the page's `User` fields resolve without a promise per row. Only local reads: a user the
   * directory has not seen is left to `directoryUser` (first sight) when a field asks for them.
   */
  async preloadUsers(ids: readonly string[]): Promise<void> {
    const { users, directory } = this.#deps;
    const rowsMissing = ids.filter((id) => !this.#users.has(id));
    if (rowsMissing.length > 0) for (const row of await users.findByIds(rowsMissing)) this.primeUser(row);
    const entriesMissing = ids.filter((id) => !this.#entries.has(id));
    if (entriesMissing.length > 0) for (const entry of directory.getMany(entriesMissing)) if (!entry.deletedAt) this.primeEntry(entry);
  }

  /** A live user's entry known from elsewhere (the viewer's check, a page, a write's answer). */
  primeEntry(entry: DirectoryEntry): void {
    this.directoryUser.clear(entry.id).prime(entry.id, entry);
    if (entry.deletedAt) this.#entries.delete(entry.id);
    else this.#entries.set(entry.id, entry);
  }

  forgetEntry(id: string): void {
    this.#directoryUser?.clear(id);
    this.#entries.delete(id);
  }

  /** The live entry when this request already loaded it; undefined otherwise (then use `directoryUser`). */
  knownEntry(id: string): DirectoryEntry | undefined {
    return this.#entries.get(id);
  }

  get passageDevices(): DataLoader<string, PassageDevice[]> {
    const { reader, budget } = this.#deps;
    this.#passageDevices ??= new DataLoader((ids) => settle(ids.map(async (id) => this.#fresh(await reader.listDevices(id, budget)))), {
      maxBatchSize: MAX_BATCH,
    });
    return this.#passageDevices;
  }

  get app(): DataLoader<string, PassageApp> {
    const { reader, budget } = this.#deps;
    this.#app ??= new DataLoader((ids) => settle(ids.map(async () => this.#fresh(await reader.getApp(budget)))));
    return this.#app;
  }

  #fresh<T>(read: Read<T>): T {
    if (read.stale) this.#deps.onStale();
    return read.value;
  }
}

export function createLoaders(deps: LoaderDeps): Loaders {
  return new Loaders(deps);
}

/** DataLoader wants an Error in the slot of each failed key rather than a rejected batch. */
async function settle<T>(promises: Promise<T>[]): Promise<(T | Error)[]> {
  const results = await Promise.allSettled(promises);
  return results.map((r) => (r.status === 'fulfilled' ? r.value : r.reason instanceof Error ? r.reason : new Error(String(r.reason))));
}
