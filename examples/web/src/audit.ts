import { describeErrors, execute, type Result } from './api';
import { button, formatTime, refresh } from './app';
import { h, on } from './dom';
import type { AuditLogQuery } from './gql/graphql';

type AuditEvent = AuditLogQuery['auditLog']['edges'][number]['node'];
import { auditLogQuery, orgAuditLogQuery } from './operations';

// The audit log: the whole log for app admins (`auditLog`, with filters) and one org's log for
// members holding `org:audit:read` (`Org.auditLog`). Pages go backwards in time: "Older" follows
// `endCursor`, "Newest" starts again.

const AUDIT_PAGE = 20;

type Page = { events: AuditEvent[]; hasNextPage: boolean; endCursor: string | null };

export const auditUi: {
  filter: { action: string; orgId: string; actorId: string };
  /** Cursors of the pages shown before the current one: the current page starts after the last. */
  adminCursors: string[];
  /** Orgs whose log is open, with the cursor their current page starts after (null: newest). */
  orgOpen: Map<string, string[]>;
} = { filter: { action: '', orgId: '', actorId: '' }, adminCursors: [], orgOpen: new Map() };

export async function loadAdminAudit(): Promise<Result<AuditLogQuery>> {
  const f = auditUi.filter;
  const filter = {
    ...(f.action ? { action: f.action } : {}),
    ...(f.orgId ? { orgId: f.orgId } : {}),
    ...(f.actorId ? { actorId: f.actorId } : {}),
  };
  return execute(auditLogQuery, { first: AUDIT_PAGE, after: auditUi.adminCursors.at(-1) ?? null, filter });
}

export async function loadOrgAudit(orgId: string): Promise<Page | string> {
  const cursors = auditUi.orgOpen.get(orgId) ?? [];
  const result = await execute(orgAuditLogQuery, { orgId, first: AUDIT_PAGE, after: cursors.at(-1) ?? null });
  const log = result.data?.org?.auditLog;
  if (!log) return describeErrors(result.errors);
  return { events: log.edges.map((e) => e.node), hasNextPage: log.pageInfo.hasNextPage, endCursor: log.pageInfo.endCursor ?? null };
}

/** The admin's section: filters, the page of events, paging. */
export function adminAuditView(result: Result<AuditLogQuery>): Node {
  const f = auditUi.filter;
  const action = h('input', { name: 'action', value: f.action, placeholder: 'action, e.g. membership.change_role', 'data-testid': 'audit-filter-action' });
  const orgId = h('input', { name: 'orgId', value: f.orgId, placeholder: 'org id', 'data-testid': 'audit-filter-org' });
  const actorId = h('input', { name: 'actorId', value: f.actorId, placeholder: 'actor user id', 'data-testid': 'audit-filter-actor' });
  const form = on(
    h('form', { class: 'row', 'data-testid': 'audit-filter' }, action, orgId, actorId, h('button', { type: 'submit', 'data-testid': 'audit-apply' }, 'Filter')),
    'submit',
    (event) => {
      event.preventDefault();
      auditUi.filter = { action: action.value.trim(), orgId: orgId.value.trim(), actorId: actorId.value.trim() };
      auditUi.adminCursors = [];
      void refresh();
    },
  );
  const log = result.data?.auditLog;
  return h(
    'section',
    { class: 'card', 'data-testid': 'admin-audit' },
    h('h2', {}, 'Audit log'),
    form,
    log
      ? eventsView(
          { events: log.edges.map((e) => e.node), hasNextPage: log.pageInfo.hasNextPage, endCursor: log.pageInfo.endCursor ?? null },
          auditUi.adminCursors,
        )
      : h(
          'p',
          { class: 'notice error', 'data-testid': 'audit-error', 'data-code': describeErrors(result.errors) },
          `The audit log could not be loaded: ${describeErrors(result.errors)}`,
        ),
  );
}

/** One org's log, or its "show" toggle when closed. */
export function orgAuditView(orgId: string, page: Page | string | null): Node {
  const open = auditUi.orgOpen.get(orgId);
  if (!open) {
    return button('Show audit log', { class: 'secondary', 'data-testid': 'org-audit-open' }, () => {
      auditUi.orgOpen.set(orgId, []);
      void refresh();
    });
  }
  return h(
    'div',
    { class: 'audit', 'data-testid': 'org-audit' },
    h(
      'div',
      { class: 'row' },
      h('h4', {}, 'Audit log'),
      button('Hide', { class: 'secondary', 'data-testid': 'org-audit-close' }, () => {
        auditUi.orgOpen.delete(orgId);
        void refresh();
      }),
    ),
    page === null || typeof page === 'string'
      ? h('p', { class: 'notice error', 'data-testid': 'audit-error', 'data-code': page ?? '' }, `The audit log could not be loaded: ${page ?? ''}`)
      : eventsView(page, open),
  );
}

/** A page of events; `cursors` is the paging stack it belongs to, changed in place. */
function eventsView(page: Page, cursors: string[]): Node {
  const paging = h(
    'div',
    { class: 'row' },
    cursors.length > 0
      ? button('Newest', { class: 'secondary', 'data-testid': 'audit-newest' }, () => {
          cursors.length = 0;
          void refresh();
        })
      : null,
    page.hasNextPage && page.endCursor
      ? button('Older', { class: 'secondary', 'data-testid': 'audit-older' }, () => {
          cursors.push(page.endCursor!);
          void refresh();
        })
      : null,
  );
  if (page.events.length === 0) return h('div', {}, h('p', { class: 'muted', 'data-testid': 'audit-empty' }, 'No events.'), paging);
  return h(
    'div',
    {},
    h(
      'table',
      { class: 'audit-events' },
      h(
        'thead',
        {},
        h('tr', {}, h('th', {}, 'When'), h('th', {}, 'Action'), h('th', {}, 'Outcome'), h('th', {}, 'Actor'), h('th', {}, 'Target'), h('th', {}, 'Org')),
      ),
      h(
        'tbody',
        {},
        ...page.events.map((e) =>
          h(
            'tr',
            { 'data-testid': 'audit-event', 'data-action': e.action, 'data-outcome': e.outcome, 'data-target': e.target.id },
            h('td', {}, formatTime(e.at)),
            h('td', {}, h('code', {}, e.action), h('details', {}, h('summary', {}, 'changes'), h('pre', {}, JSON.stringify(e.changes, null, 2)))),
            h('td', {}, e.outcome === 'SUCCESS' ? 'success' : `failure${e.errorCode ? ` (${e.errorCode})` : ''}`),
            h('td', {}, e.actor?.email ?? e.actor?.id ?? '—'),
            h('td', {}, `${e.target.type} ${e.target.id}`),
            h('td', {}, e.org?.name ?? '—'),
          ),
        ),
      ),
    ),
    paging,
  );
}
