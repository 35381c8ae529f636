import type {
  AuditEventConnectionResolvers,
  AuditEventEdgeResolvers,
  AuditEventResolvers,
  OrgResolvers,
  QueryResolvers,
} from '../__generated__/resolvers-types.js';
import { encodeAuditCursor, MAX_AUDIT_PAGE, redact } from '../../services/audit.js';
import { badUserInput } from '../errors.js';

function pageSize(first: number | null | undefined): number {
  const size = first ?? 20;
  if (!Number.isInteger(size) || size < 1 || size > MAX_AUDIT_PAGE) throw badUserInput('first', `first must be between 1 and ${MAX_AUDIT_PAGE}.`);
  return size;
}

const asDate = (value: Date | string | null | undefined) => (value === null || value === undefined ? null : new Date(value));

export const Query: QueryResolvers = {
  auditLog: (_parent, { first, after, filter }, ctx) =>
    ctx.services.audit.list({ ...filter, since: asDate(filter?.since), until: asDate(filter?.until) }, { first: pageSize(first), after }),
};

export const Org: OrgResolvers = {
  auditLog: async (org, { first, after }, ctx) =>
    ctx.services.audit.listForOrg(ctx.viewer!, await ctx.authz.membership(org.id), org.id, { first: pageSize(first), after }),
};

export const AuditEventConnection: AuditEventConnectionResolvers = {
  edges: (page) => page.rows,
  pageInfo: (page) => ({
    hasNextPage: page.hasNextPage,
    hasPreviousPage: page.hasPreviousPage,
    startCursor: page.rows[0] ? encodeAuditCursor(page.rows[0]) : null,
    endCursor: page.rows.at(-1) ? encodeAuditCursor(page.rows.at(-1)!) : null,
  }),
};

export const AuditEventEdge: AuditEventEdgeResolvers = {
  cursor: (row) => encodeAuditCursor(row),
  node: (row) => row,
};

export const AuditEvent: AuditEventResolvers = {
  id: (row) => String(row.id),
  at: (row) => row.at,
  action: (row) => row.action,
  outcome: (row) => (row.outcome === 'success' ? 'SUCCESS' : 'FAILURE'),
  errorCode: (row) => (row.outcome === 'failure' ? row.detail : null),
  actor: async (row, _args, ctx) => (row.actorId ? ctx.loaders.user.load(row.actorId) : null),
  onBehalfOf: async (row, _args, ctx) => (row.onBehalfOf ? ctx.loaders.user.load(row.onBehalfOf) : null),
  target: (row) => ({ type: row.targetType, id: row.targetId }),
  org: async (row, _args, ctx) => (row.orgId ? ctx.loaders.org.load(row.orgId) : null),
  changes: (row) => redact({ before: row.before ?? null, after: row.after ?? null }),
};
