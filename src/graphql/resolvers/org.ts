import type {
  MutationResolvers,
  OrgConnectionResolvers,
  OrgEdgeResolvers,
  OrgMemberConnectionResolvers,
  OrgMemberEdgeResolvers,
  OrgResolvers,
  QueryResolvers,
} from '../__generated__/resolvers-types.js';
import { encodeCursor } from '../../services/membership.js';
import { encodeOrgCursor } from '../../services/org.js';
import { badUserInput, notFound } from '../errors.js';
import { orgCapabilities } from '../../services/role.js';

const MAX_PAGE = 100;

export const Query: QueryResolvers = {
  // Non-members are turned away by the guard on Org with the same NOT_FOUND as a missing org.
  org: async (_parent, { id }, ctx) => {
    const org = await ctx.loaders.org.load(id);
    if (!org) throw notFound('The organization');
    return org;
  },
  orgBySlug: async (_parent, { slug }, ctx) => {
    const org = await ctx.services.orgs.findBySlug(slug);
    if (!org) throw notFound('The organization');
    ctx.loaders.org.prime(org.id, org);
    return org;
  },
  orgs: async (_parent, { first, after, query }, ctx) => ctx.services.orgs.list({ first: pageSize(first), after, query }),
};

export const Mutation: MutationResolvers = {
  createOrg: async (_parent, { input }, ctx) => {
    const org = await ctx.services.orgs.create(ctx.viewer!, { name: input.name, metadata: asObject(input.metadata) });
    ctx.authz.invalidateOrg(org.id);
    return org;
  },
  updateOrg: async (_parent, { id, input }, ctx) => {
    const org = await ctx.services.orgs.update(ctx.viewer!, id, { name: input.name, slug: input.slug, metadata: asObject(input.metadata) });
    ctx.loaders.org.clear(id).prime(id, org);
    return org;
  },
  transferOrgOwnership: async (_parent, { input }, ctx) => {
    const row = await ctx.services.memberships.transferOwnership(ctx.viewer!, input.orgId, input.userId);
    ctx.authz.invalidateOrg(input.orgId);
    return row;
  },
  deleteOrg: async (_parent, { id }, ctx) => {
    await ctx.services.orgs.delete(ctx.viewer!, id);
    ctx.authz.invalidateOrg(id);
    return { deletedOrgId: id };
  },
};

export const Org: OrgResolvers = {
  id: (org) => org.id,
  name: (org) => org.name,
  slug: (org) => org.slug,
  metadata: (org) => org.metadata,
  createdAt: (org) => org.createdAt,
  updatedAt: (org) => org.updatedAt,
  members: async (org, { first, after, role, query }, ctx) => {
    const page = await ctx.services.memberships.listMembers(org.id, { first: pageSize(first), after, role, query });
    // The page's users, their directory entries and whether the viewer shares an org with them,
    // one statement each, before 100 rows of fields and guards ask one by one.
    const userIds = page.rows.map((r) => r.userId);
    await ctx.loaders.preloadUsers(userIds);
    if (ctx.viewer?.appRole !== 'ADMIN') await ctx.authz.preloadSharing?.(userIds);
    return page;
  },
  viewerMembership: async (org, _args, ctx) => (ctx.viewer ? ctx.authz.membership(org.id) : null),
  viewerCan: async (org, _args, ctx) => orgCapabilities(ctx.services.roles, ctx.viewer!, org.id, await ctx.authz.membership(org.id)),
};

export const OrgMemberConnection: OrgMemberConnectionResolvers = {
  edges: (page) => page.rows,
  totalCount: (page) => page.totalCount,
  pageInfo: (page) => ({
    hasNextPage: page.hasNextPage,
    hasPreviousPage: page.hasPreviousPage,
    startCursor: page.rows[0] ? encodeCursor(page.rows[0]) : null,
    endCursor: page.rows.at(-1) ? encodeCursor(page.rows.at(-1)!) : null,
  }),
};

export const OrgConnection: OrgConnectionResolvers = {
  edges: (page) => page.rows,
  totalCount: (page) => page.totalCount,
  pageInfo: (page) => ({
    hasNextPage: page.hasNextPage,
    hasPreviousPage: page.hasPreviousPage,
    startCursor: page.rows[0] ? encodeOrgCursor(page.rows[0]) : null,
    endCursor: page.rows.at(-1) ? encodeOrgCursor(page.rows.at(-1)!) : null,
  }),
};

export const OrgEdge: OrgEdgeResolvers = {
  cursor: (row) => encodeOrgCursor(row),
  node: (row) => row,
};

export const OrgMemberEdge: OrgMemberEdgeResolvers = {
  cursor: (row) => encodeCursor(row),
  node: (row) => row,
};

function pageSize(first: number | null | undefined): number {
  const size = first ?? 20;
  if (size < 1 || size > MAX_PAGE) throw badUserInput('first', `first must be between 1 and ${MAX_PAGE}.`);
  return size;
}

/** JSON scalar inputs can be anything; metadata must be an object. */
function asObject(value: unknown): Record<string, unknown> | null | undefined {
  if (value === undefined || value === null) return value as null | undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw badUserInput('metadata', 'metadata must be a JSON object.');
  return value as Record<string, unknown>;
}
