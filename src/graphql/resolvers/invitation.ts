import type {
  MutationResolvers,
  OrgInvitationConnectionResolvers,
  OrgInvitationEdgeResolvers,
  OrgInvitationResolvers,
  OrgResolvers,
  UserResolvers,
} from '../__generated__/resolvers-types.js';
import { enforce, notSelf, passesEveryOrgRule, userVisibility } from '../../auth/policy.js';
import { encodeInvitationCursor, statusOf } from '../../services/invitation.js';
import type { GraphQLContext } from '../context.js';
import { badUserInput } from '../errors.js';
import { entryOf } from './passage-field.js';

const MAX_PAGE = 100;

/** The signed-in user's email as the user directory holds it (null when they have none). */
async function viewerEmail(ctx: GraphQLContext): Promise<string | null> {
  return (await entryOf(ctx, ctx.viewer!.id)).email || null;
}

export const Mutation: MutationResolvers = {
  inviteOrgMember: async (_parent, { input }, ctx) =>
    ctx.services.invitations.invite(
      ctx.viewer!,
      { orgId: input.orgId, email: input.email, role: input.role, additionalRoles: input.additionalRoles },
      { budget: ctx.upstream },
    ),
  resendOrgInvitation: async (_parent, { input }, ctx) => ctx.services.invitations.resend(ctx.viewer!, input.id, { budget: ctx.upstream }),
  revokeOrgInvitation: async (_parent, { input }, ctx) => ctx.services.invitations.revoke(ctx.viewer!, input.id),
  acceptOrgInvitation: async (_parent, { input }, ctx) => {
    const membership = await ctx.services.invitations.accept(ctx.viewer!, await viewerEmail(ctx), { token: input.token, id: input.id });
    ctx.authz.invalidateOrg(membership.orgId);
    return membership;
  },
  declineOrgInvitation: async (_parent, { input }, ctx) =>
    ctx.services.invitations.decline(ctx.viewer!, await viewerEmail(ctx), { token: input.token, id: input.id }),
};

export const Org: OrgResolvers = {
  invitations: (org, { first, after, status }, ctx) => {
    const size = first ?? 20;
    if (size < 1 || size > MAX_PAGE) throw badUserInput('first', `first must be between 1 and ${MAX_PAGE}.`);
    return ctx.services.invitations.list(org.id, { first: size, after, status });
  },
};

export const User: UserResolvers = {
  invitations: async (user, _args, ctx) => {
    enforce(ctx.viewer?.id === user.id ? null : notSelf());
    return ctx.services.invitations.pendingFor(await viewerEmail(ctx));
  },
};

export const OrgInvitation: OrgInvitationResolvers = {
  id: (row) => row.id,
  // The invitee is not a member yet: null for them rather than the Org guard's NOT_FOUND error.
  org: async (row, _args, ctx) => {
    if (!passesEveryOrgRule(ctx.viewer!) && !(await ctx.authz.membership(row.orgId))) return null;
    return ctx.loaders.org.load(row.orgId);
  },
  orgName: async (row, _args, ctx) => (await ctx.loaders.org.load(row.orgId))?.name ?? '',
  email: (row) => row.email,
  role: (row) => row.role,
  additionalRoles: (row) => row.additionalRoles,
  status: (row) => statusOf(row),
  delivery: (row) => (row.delivery === 'sending' ? 'SENDING' : row.delivery === 'sent' ? 'SENT' : row.delivery === 'failed' ? 'FAILED' : 'UNKNOWN'),
  lastSentAt: (row) => row.lastSentAt,
  // Someone who could not see the inviter elsewhere gets null, not an error on every invitation.
  invitedBy: async (row, _args, ctx) => {
    if (userVisibility(ctx.viewer!, row.invitedBy, await ctx.authz.sharesOrg(row.invitedBy)) === 'NONE') return null;
    return ctx.loaders.user.load(row.invitedBy);
  },
  createdAt: (row) => row.createdAt,
  expiresAt: (row) => row.expiresAt,
  acceptedAt: (row) => row.acceptedAt,
};

export const OrgInvitationConnection: OrgInvitationConnectionResolvers = {
  edges: (page) => page.rows,
  totalCount: (page) => page.totalCount,
  pageInfo: (page) => ({
    hasNextPage: page.hasNextPage,
    hasPreviousPage: page.hasPreviousPage,
    startCursor: page.rows[0] ? encodeInvitationCursor(page.rows[0]) : null,
    endCursor: page.rows.at(-1) ? encodeInvitationCursor(page.rows.at(-1)!) : null,
  }),
};

export const OrgInvitationEdge: OrgInvitationEdgeResolvers = {
  cursor: (row) => encodeInvitationCursor(row),
  node: (row) => row,
};
