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

export type Loaders = ReturnType<typeof createLoaders>;

// Well under SQLite's bound-parameter limit, and a sane fan-out for Passage.
const MAX_BATCH = 200;

/**
 * One set per request: deduplicates lookups within the request and never shares data between
 * viewers. Passage has no batch-get endpoint, so a Passage batch is parallel single gets.
 */
export function createLoaders(deps: {
  users: UserService;
  orgs: OrgService;
  memberships: MembershipService;
  reader: PassageReader;
  directory: DirectoryService;
  /** The request's allowance of Passage calls and time; every Passage read spends from it. */
  budget: UpstreamBudget;
  /** Called when a value had to be served from an expired cache entry. */
  onStale: () => void;
}) {
  const fresh = <T>(read: Read<T>): T => {
    if (read.stale) deps.onStale();
    return read.value;
  };
  return {
    org: new DataLoader<string, OrgRow | null>(
      async (ids) => {
        const byId = new Map((await deps.orgs.findByIds(ids)).map((o) => [o.id, o]));
        return ids.map((id) => byId.get(id) ?? null);
      },
      { maxBatchSize: MAX_BATCH },
    ),
    // Each user's first page of memberships (at most MAX_MEMBERSHIPS_PAGE rows), oldest first.
    membershipsOfUser: new DataLoader<string, MembershipRow[]>(
      async (userIds) => {
        const rows = await deps.memberships.forUsers(userIds);
        return userIds.map((id) => rows.filter((r) => r.userId === id));
      },
      { maxBatchSize: MAX_BATCH },
    ),
    user: new DataLoader<string, UserRow | null>(
      async (ids) => {
        const rows = await deps.users.findByIds(ids);
        const byId = new Map(rows.map((r) => [r.id, r]));
        return ids.map((id) => byId.get(id) ?? null);
      },
      { maxBatchSize: MAX_BATCH },
    ),
    /**
     * A live user's Passage fields, from the directory in one query per batch; a user the
     * directory has never seen is fetched from Passage once (first sight). Deleted users are
     * `NOT_FOUND`.
     */
    directoryUser: new DataLoader<string, DirectoryEntry>(
      async (ids) => {
        const byId = new Map(deps.directory.getMany(ids).map((e) => [e.id, e]));
        return settle(
          ids.map(async (id) => {
            const entry = byId.get(id) ?? (await deps.users.firstSight(id, deps.budget));
            if (entry.deletedAt) throw notFound('The user');
            return entry;
          }),
        );
      },
      { maxBatchSize: MAX_BATCH },
    ),
    passageDevices: new DataLoader<string, PassageDevice[]>((ids) => settle(ids.map(async (id) => fresh(await deps.reader.listDevices(id, deps.budget)))), {
      maxBatchSize: MAX_BATCH,
    }),
    app: new DataLoader<string, PassageApp>((ids) => settle(ids.map(async () => fresh(await deps.reader.getApp(deps.budget))))),
  };
}

/** DataLoader wants an Error in the slot of each failed key rather than a rejected batch. */
async function settle<T>(promises: Promise<T>[]): Promise<(T | Error)[]> {
  const results = await Promise.allSettled(promises);
  return results.map((r) => (r.status === 'fulfilled' ? r.value : r.reason instanceof Error ? r.reason : new Error(String(r.reason))));
}
