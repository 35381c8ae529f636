import { randomUUID } from 'node:crypto';
import { and, asc, count, desc, eq, inArray, lt, ne, or, type SQL } from 'drizzle-orm';
import { DatabaseBusyError, type Database, type Db } from '../db/client.js';
import { auditLog, passageIntents, type IntentKind, type IntentRow } from '../db/schema/index.js';
import { conflict, outcomeUnknown } from '../errors.js';
import type { Logger } from '../logger.js';
import type { PassageClient } from '../passage/client.js';
import { PassageError } from '../passage/errors.js';
import type { PassageReader } from '../passage/cache.js';
import { observeIntent } from './intent-observe.js';
import { applyPassageTruth } from './passage-truth.js';
import type { DirectoryService } from './directory.js';

/** Where a test can stop a Passage write, to kill the process at that exact step. */
export type IntentPause = 'before_passage' | 'after_passage';

export type IntentServiceOptions = {
  database: Database;
  passage: PassageClient;
  reader: PassageReader;
  /** Where the reconciler writes what Passage says, with the local row. */
  directory: DirectoryService;
  log: Logger;
  /**
   * How long after an intent is recorded Passage may still apply it (an abandoned call can land
   * late). Before that, "not changed yet" proves nothing.
   */
  settleMs: number;
  /** Test-only (`INTENT_TEST_PAUSE`): the step at which every intent waits forever. */
  testPause?: IntentPause | undefined;
};

/** What identifies an intent's target and request, without its callbacks. */
type IntentKey = { kind: IntentKind; userId?: string; identifier?: string; actorId: string; input: Record<string, unknown> };

export type IntentSpec<T, R> = {
  kind: IntentKind;
  /** The user the change is about; absent only for create_user. */
  userId?: string;
  /** create_user: the email or phone the new user will have. */
  identifier?: string;
  actorId: string;
  input: Record<string, unknown>;
  /** Local invariants (last owner, self-deactivation, ...), checked in the transaction that records the intent. */
  check?: (tx: Db) => void;
  /** The Passage call. Its errors reach the caller unchanged when Passage surely did not act. */
  call: (intent: IntentRow) => Promise<T>;
  /** Inside the completion transaction: write Passage's answer locally and audit it. */
  complete: (tx: Db, result: T, intent: IntentRow) => R;
  /** The answer when Passage confirmed but the local completion could not be written now. */
  confirmed: (result: T) => R;
};

export type ReconcileReport = { examined: number; done: number; notApplied: number; pending: number; errors: number };

/** Kept this long after resolution, so a retry can recognise its own earlier attempt. */
const RETENTION_MS = 24 * 3600_000;
/** Pending intents one reconciler run looks at (each costs a Passage read or two). */
const RUN_LIMIT = 100;
/** Orphans of the same user settled inline before a new intent is recorded. */
const INLINE_LIMIT = 3;

const AUDIT_ACTION: Record<IntentKind, string> = {
  create_user: 'user.create',
  update_user: 'user.update',
  activate_user: 'user.activate',
  deactivate_user: 'user.deactivate',
  delete_user: 'user.delete',
  revoke_device: 'user.revoke_device',
  revoke_sessions: 'user.revoke_sessions',
};

/** While one of these is pending, the user's token is refused: access fails closed until Passage is read. */
const ACCESS_BLOCKING: Partial<Record<IntentKind, 'USER_DELETED' | 'USER_DEACTIVATED'>> = {
  delete_user: 'USER_DELETED',
  deactivate_user: 'USER_DEACTIVATED',
};

/** A change that would conflict with one Passage has not settled yet; retrying shortly is safe. */
export const pendingChange = () => conflict('PENDING_CHANGE', 'A change to this user is still being applied at the identity provider; retry shortly.');

/** Users whose pending intent would remove them (deletion or deactivation), among `userIds`. */
export function usersBeingRemoved(tx: Db, userIds: readonly string[]): Set<string> {
  if (userIds.length === 0) return new Set();
  const rows = tx
    .select({ userId: passageIntents.userId })
    .from(passageIntents)
    .where(
      and(eq(passageIntents.state, 'pending'), inArray(passageIntents.kind, ['delete_user', 'deactivate_user']), inArray(passageIntents.userId, [...userIds])),
    )
    .all();
  return new Set(rows.map((r) => r.userId!));
}

/** True while the user's deletion is pending: nothing new may be attached to them. */
export function deletionPending(tx: Db, userId: string): boolean {
  return (
    tx
      .select({ id: passageIntents.id })
      .from(passageIntents)
      .where(and(eq(passageIntents.state, 'pending'), eq(passageIntents.kind, 'delete_user'), eq(passageIntents.userId, userId)))
      .get() !== undefined
  );
}

/**
 * Changes to Passage that never half-happen. Each is recorded locally first, in one transaction
 * with its local checks; then Passage is called; then the local rows are completed in a second
 * transaction. Whatever interrupts the steps (a crash, a busy database, a lost answer) leaves a
 * pending intent, which the reconciler settles by reading Passage. One process owns a database
 * file: an intent that is not being called right now by this process is an orphan.
 */
export class IntentService {
  readonly #database: Database;
  readonly #passage: PassageClient;
  readonly #reader: PassageReader;
  readonly #directory: DirectoryService;
  readonly #log: Logger;
  readonly #settleMs: number;
  readonly #testPause: IntentPause | undefined;
  readonly #owner = randomUUID();
  /** Intents whose Passage call this process is making now. */
  readonly #inFlight = new Set<string>();
  /** user id -> why their token is refused, for every pending deletion or deactivation. */
  readonly #blocked = new Map<string, { intentId: string; reason: 'USER_DELETED' | 'USER_DEACTIVATED' }>();
  #running: Promise<ReconcileReport> | null = null;

  constructor(opts: IntentServiceOptions) {
    this.#database = opts.database;
    this.#passage = opts.passage;
    this.#reader = opts.reader;
    this.#directory = opts.directory;
    this.#log = opts.log;
    this.#settleMs = opts.settleMs;
    this.#testPause = opts.testPause;
    // Pending intents survive restarts: their users stay refused until the reconciler read Passage.
    const pending = opts.database.db.select().from(passageIntents).where(eq(passageIntents.state, 'pending')).all();
    for (const intent of pending) this.#track(intent);
  }

  /** Intents not yet settled, for the metrics gauge (an indexed count, read at scrape time). */
  pendingCount(): number {
    return this.#database.db.select({ n: count() }).from(passageIntents).where(eq(passageIntents.state, 'pending')).get()!.n;
  }

  /** Why this user's token must be refused now, if a pending intent removes them. In memory: no query per request. */
  blocksAccess(userId: string): 'USER_DELETED' | 'USER_DEACTIVATED' | null {
    return this.#blocked.get(userId)?.reason ?? null;
  }

  /**
   * True when the same request (same kind, target and input) was attempted before and Passage
   * may have carried it out: a retry that Passage answers "already exists" or "not found" is
   * then that earlier attempt's success, not a new failure.
   */
  earlierAttempt(intent: IntentRow): boolean {
    const target = intent.userId ? eq(passageIntents.userId, intent.userId) : eq(passageIntents.identifier, intent.identifier ?? '');
    return (
      this.#database.db
        .select()
        .from(passageIntents)
        .where(and(eq(passageIntents.kind, intent.kind), target, ne(passageIntents.id, intent.id), inArray(passageIntents.state, ['done', 'superseded'])))
        // The latest attempts are the ones a client retries; older ones are not worth the rows.
        .orderBy(desc(passageIntents.createdAt))
        .limit(20)
        .all()
        .some((other) => sameRequest(other, intent))
    );
  }

  async run<T, R>(spec: IntentSpec<T, R>): Promise<R> {
    await this.#settleOrphans(spec);
    // In flight before it is committed, so no reconciler run can take it for an orphan.
    const id = randomUUID();
    this.#inFlight.add(id);
    let intent: IntentRow;
    try {
      intent = await this.#record(spec, id);
    } catch (err) {
      this.#inFlight.delete(id);
      throw err;
    }
    try {
      await this.#pause('before_passage', intent);
      let result: T;
      try {
        result = await spec.call(intent);
      } catch (err) {
        if (!surelyNotApplied(err)) {
          // The intent stays pending (and its user refused, for a removal) until Passage is read.
          this.#log.warn({ err, intentId: intent.id, kind: intent.kind }, 'Passage write outcome unknown; left to the reconciler');
          throw outcomeUnknown(undefined, { intentId: intent.id });
        }
        await this.#forget(intent);
        throw err;
      }
      await this.#pause('after_passage', intent);
      try {
        const answer = await this.#database.transaction((tx) => {
          const row = this.#resolve(tx, intent.id, 'done');
          return spec.complete(tx, result, row ?? intent);
        });
        this.#untrack(intent);
        return answer;
      } catch (err) {
        // Passage made the change: the answer says so, whatever stopped the local write. The
        // pending intent keeps access decisions on the safe side until the reconciler writes it.
        if (err instanceof DatabaseBusyError) {
          this.#log.warn({ intentId: intent.id, kind: intent.kind }, 'Passage confirmed a change the database was too busy to record; left to the reconciler');
        } else {
          this.#log.error({ err, intentId: intent.id, kind: intent.kind }, 'could not record a change Passage confirmed; left to the reconciler');
        }
        return spec.confirmed(result);
      }
    } finally {
      this.#inFlight.delete(intent.id);
    }
  }

  /**
   * Settles every pending intent no request is working on: reads Passage and writes what it says
   * locally. Runs at start-up before serving, on the server's timer, and on demand (tests pass
   * `now` to look past the settle time). Overlapping calls share one run.
   */
  reconcile(opts: { now?: number } = {}): Promise<ReconcileReport> {
    this.#running ??= this.#reconcile(opts.now ?? Date.now()).finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #reconcile(now: number): Promise<ReconcileReport> {
    const report: ReconcileReport = { examined: 0, done: 0, notApplied: 0, pending: 0, errors: 0 };
    const pending = this.#database.db
      .select()
      .from(passageIntents)
      .where(eq(passageIntents.state, 'pending'))
      .orderBy(asc(passageIntents.createdAt))
      .limit(RUN_LIMIT)
      .all();
    for (const intent of pending) {
      if (this.#inFlight.has(intent.id)) continue;
      report.examined++;
      try {
        const outcome = await this.#settle(intent, now);
        if (outcome === 'done') report.done++;
        else if (outcome === 'not_applied') report.notApplied++;
        else report.pending++;
      } catch (err) {
        report.errors++;
        this.#log.warn({ err, intentId: intent.id, kind: intent.kind }, 'could not settle a pending intent; will retry');
      }
    }
    await this.#prune(now).catch((err: unknown) => this.#log.warn({ err }, 'could not prune settled intents'));
    if (report.examined > 0) this.#log.info(report, 'intent reconciler run');
    return report;
  }

  /** One intent: read Passage, then write its truth, the resolution and an audit row together. */
  async #settle(intent: IntentRow, now: number): Promise<'done' | 'not_applied' | 'pending'> {
    const seen = await observeIntent(this.#passage, intent);
    const outcome = seen.reached ? 'done' : now >= intent.settleAt.getTime() ? 'not_applied' : 'pending';
    const userId = seen.userId ?? intent.userId;
    await this.#database.transaction((tx) => {
      if (userId && seen.truth) applyPassageTruth(tx, this.#directory, userId, seen.truth, 'get');
      if (outcome === 'pending') return;
      if (!this.#resolve(tx, intent.id, outcome, userId)) return;
      tx.insert(auditLog)
        .values({
          actorId: intent.actorId,
          // Never an impersonation: intents come from admin-only mutations (an impersonated
          // session has the user's rights, never an admin's) and from @noImpersonation ones.
          onBehalfOf: null,
          action: AUDIT_ACTION[intent.kind],
          targetType: intent.kind === 'revoke_device' ? 'device' : 'user',
          targetId: intent.kind === 'revoke_device' ? String(intent.input['deviceId']) : (userId ?? intent.identifier ?? ''),
          outcome: outcome === 'done' ? 'success' : 'failure',
          detail: outcome === 'done' ? 'RECONCILED' : 'NOT_APPLIED',
          after: seen.truth && seen.truth !== 'deleted' ? { status: seen.truth.status } : null,
        })
        .run();
    });
    if (userId) await this.#reader.invalidateUser(userId);
    if (outcome !== 'pending') this.#untrack(intent);
    return outcome;
  }

  /** Orphans about the same user that a different request left: settle them first (bounded). */
  async #settleOrphans(spec: IntentKey): Promise<void> {
    const orphans = this.#pendingFor(this.#database.db, spec).filter((i) => !this.#inFlight.has(i.id) && !sameRequest(i, spec));
    for (const intent of orphans.slice(0, INLINE_LIMIT)) {
      await this.#settle(intent, Date.now()).catch((err: unknown) =>
        this.#log.warn({ err, intentId: intent.id }, 'could not settle an orphaned intent inline'),
      );
    }
  }

  async #record(spec: IntentKey & { check?: ((tx: Db) => void) | undefined }, id: string): Promise<IntentRow> {
    const superseded: IntentRow[] = [];
    const intent = await this.#database.transaction((tx) => {
      for (const other of this.#pendingFor(tx, spec)) {
        // The same request again (a client retry after OUTCOME_UNKNOWN) takes over: repeating
        // these Passage calls is harmless. Anything else waits for the first to settle.
        if ((other.id !== id && this.#inFlight.has(other.id)) || !sameRequest(other, spec)) throw pendingChange();
        this.#resolve(tx, other.id, 'superseded');
        superseded.push(other);
      }
      spec.check?.(tx);
      const now = Date.now();
      return tx
        .insert(passageIntents)
        .values({
          id,
          kind: spec.kind,
          userId: spec.userId ?? null,
          identifier: spec.identifier ?? null,
          actorId: spec.actorId,
          input: spec.input,
          owner: this.#owner,
          createdAt: new Date(now),
          settleAt: new Date(now + this.#settleMs),
        })
        .returning()
        .get();
    });
    for (const old of superseded) this.#untrack(old);
    this.#track(intent);
    return intent;
  }

  #pendingFor(tx: Db, spec: { userId?: string; identifier?: string }): IntentRow[] {
    const target: SQL[] = [];
    if (spec.userId) target.push(eq(passageIntents.userId, spec.userId));
    if (spec.identifier) target.push(eq(passageIntents.identifier, spec.identifier));
    if (target.length === 0) return [];
    return tx
      .select()
      .from(passageIntents)
      .where(and(eq(passageIntents.state, 'pending'), or(...target)))
      .all();
  }

  /** Marks a pending intent resolved; returns it, or undefined when something else resolved it first. */
  #resolve(tx: Db, id: string, state: 'done' | 'not_applied' | 'superseded', userId?: string | null): IntentRow | undefined {
    return tx
      .update(passageIntents)
      .set({ state, resolvedAt: new Date(), ...(userId ? { userId } : {}) })
      .where(and(eq(passageIntents.id, id), eq(passageIntents.state, 'pending')))
      .returning()
      .get();
  }

  /** Passage refused: nothing happened anywhere, so the intent leaves no row (the audit row says why). */
  async #forget(intent: IntentRow): Promise<void> {
    try {
      await this.#database.transaction((tx) => tx.delete(passageIntents).where(eq(passageIntents.id, intent.id)).run());
      this.#untrack(intent);
    } catch (err) {
      // Left pending: the reconciler will find Passage unchanged and close it.
      this.#log.warn({ err, intentId: intent.id }, 'could not drop a refused intent; left to the reconciler');
    }
  }

  async #prune(now: number): Promise<void> {
    await this.#database.transaction((tx) =>
      tx
        .delete(passageIntents)
        .where(and(ne(passageIntents.state, 'pending'), lt(passageIntents.resolvedAt, new Date(now - RETENTION_MS))))
        .run(),
    );
  }

  #track(intent: IntentRow): void {
    const reason = ACCESS_BLOCKING[intent.kind];
    if (reason && intent.userId) this.#blocked.set(intent.userId, { intentId: intent.id, reason });
  }

  #untrack(intent: IntentRow): void {
    if (intent.userId && this.#blocked.get(intent.userId)?.intentId === intent.id) this.#blocked.delete(intent.userId);
  }

  async #pause(step: IntentPause, intent: IntentRow): Promise<void> {
    if (this.#testPause !== step) return;
    this.#log.warn({ step, intentId: intent.id, kind: intent.kind }, 'intent test pause');
    await new Promise<never>(() => {});
  }
}

/** Refusals on our side: the call was never sent. */
const NEVER_SENT = new Set(['breaker_open', 'retry_after', 'budget_exceeded', 'deadline_exceeded']);

/** Passage answered with a refusal, or the call was never sent: it did not act. */
export function surelyNotApplied(err: unknown): boolean {
  if (!(err instanceof PassageError)) return false;
  if (NEVER_SENT.has(err.code)) return true;
  return err.status >= 400 && err.status < 500 && err.status !== 408;
}

function sameRequest(intent: IntentRow, spec: { kind: IntentKind; input: Record<string, unknown> }): boolean {
  return intent.kind === spec.kind && JSON.stringify(intent.input) === JSON.stringify(spec.input);
}
