import { AppError } from '../errors.js';
import type { Roles, RoleSummary } from './roles.js';

/**
 * The authorization policy: every rule about who may do what, as pure functions of the viewer,
 * their membership and the role definitions. The access directives (at the GraphQL edge) and the
 * membership service (inside its transactions, on rows read there) both ask these functions, so
 * a rule changes in one place. Nothing here reads the database or knows about GraphQL: callers
 * load the facts and act on the answer.
 *
 * A decision is `null` when the action is allowed, otherwise a `Denial` saying why.
 */

export type AppRoleName = 'USER' | 'ADMIN';

/**
 * The viewer as rules see them. During an impersonation `id` and `appRole` are the user's (the
 * admin acts with exactly the user's rights) and `impersonatorId` is the admin's id.
 */
export type PolicyViewer = { readonly id: string; readonly appRole: AppRoleName; readonly impersonatorId?: string | undefined };

/** What a membership grants: its highest rank and every permission of its roles. */
export type Grant = Pick<RoleSummary, 'rank' | 'permissions'>;

/** A role assignment as stored on a membership. */
export type Assignment = { readonly role: string; readonly additionalRoles: readonly string[] };

export type DenialReason =
  | 'INSUFFICIENT_APP_ROLE'
  | 'ORG_UNRESOLVED'
  | 'NOT_MEMBER'
  | 'INSUFFICIENT_ROLE'
  | 'MISSING_PERMISSION'
  | 'NOT_SELF'
  | 'NO_SHARED_ORG'
  | 'LAST_OWNER'
  | 'NOT_OWNER'
  | 'ALREADY_OWNER'
  | 'IMPERSONATION';

export type Denial = {
  /** `CONFLICT` when the rule protects the org's state rather than restricting the viewer. */
  readonly code: 'FORBIDDEN' | 'CONFLICT';
  readonly reason: DenialReason;
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
};

export type Decision = Denial | null;

const deny = (reason: DenialReason, message: string, details: Record<string, unknown> = {}): Denial => ({
  code: reason === 'LAST_OWNER' || reason === 'ALREADY_OWNER' ? 'CONFLICT' : 'FORBIDDEN',
  reason,
  message,
  details,
});

/** The permissions the schema's directives and the capability queries below name. */
export const ORG_PERMISSIONS = {
  read: 'org:read',
  update: 'org:update',
  delete: 'org:delete',
  readMembers: 'org:members:read',
  invite: 'org:members:invite',
  remove: 'org:members:remove',
  changeRole: 'org:members:change_role',
  auditRead: 'org:audit:read',
} as const;

// ---------------------------------------------------------------------------------------------
// App roles
// ---------------------------------------------------------------------------------------------

const APP_RANK: Record<AppRoleName, number> = { USER: 1, ADMIN: 2 };

export function requireAppRole(viewer: PolicyViewer, atLeast: AppRoleName): Decision {
  return APP_RANK[viewer.appRole] >= APP_RANK[atLeast] ? null : deny('INSUFFICIENT_APP_ROLE', 'Requires an app admin.', { required: atLeast });
}

/** App admins pass every org rule, without any membership. */
export function passesEveryOrgRule(viewer: PolicyViewer): boolean {
  return viewer.appRole === 'ADMIN';
}

/**
 * `@noImpersonation`: what hands over or destroys what only the user themself should (their
 * account, sessions, devices, sign-in links, orgs, roles) is never done by an admin acting as them.
 */
export function refuseImpersonation(viewer: PolicyViewer): Decision {
  return viewer.impersonatorId === undefined ? null : deny('IMPERSONATION', 'Not allowed while impersonating a user; sign in as yourself.');
}

// ---------------------------------------------------------------------------------------------
// Rules inside one org
// ---------------------------------------------------------------------------------------------

/** A test of the viewer's membership in an org. */
export type OrgTest = (membership: Grant) => Decision;

export function atLeastRole(roles: Roles, role: string): OrgTest {
  const required = roles.rankOf(role);
  return (m) => (m.rank >= required ? null : deny('INSUFFICIENT_ROLE', `Requires the ${role} role or higher in this organization.`, { required: role }));
}

export function withPermissions(all: readonly string[], any: readonly string[] = []): OrgTest {
  return (m) => {
    const missing = all.filter((p) => !m.permissions.has(p));
    if (missing.length > 0) return deny('MISSING_PERMISSION', `Requires permission ${missing.join(', ')} in this organization.`, { required: missing });
    if (any.length > 0 && !any.some((p) => m.permissions.has(p))) {
      return deny('MISSING_PERMISSION', `Requires one of ${any.join(', ')} in this organization.`, { required: [...any] });
    }
    return null;
  };
}

/** Passes when any test passes; otherwise the first test's denial. */
export function eitherOf(tests: readonly OrgTest[]): OrgTest {
  if (tests.length === 0) throw new Error('eitherOf needs at least one test');
  return (m) => {
    const decisions = tests.map((t) => t(m));
    return decisions.includes(null) ? null : decisions[0]!;
  };
}

/** The org a rule is about could not be read from the request. */
export const orgUnresolved = (): Denial => deny('ORG_UNRESOLVED', 'The organization could not be determined.');

/**
 * The viewer's standing in an org: app admins always pass; otherwise they need a membership
 * (`null` when they have none) that passes `test`.
 */
export function inOrg(viewer: PolicyViewer, orgId: string, membership: Grant | null, test: OrgTest): Decision {
  if (passesEveryOrgRule(viewer)) return null;
  if (!membership) return deny('NOT_MEMBER', 'You are not a member of this organization.', { orgId });
  return test(membership);
}

// ---------------------------------------------------------------------------------------------
// Changes to memberships (the membership service asks these inside its transactions)
// ---------------------------------------------------------------------------------------------

/** The rank an actor acts with in an org: app admins rank above every org role. */
export function actingRank(viewer: PolicyViewer, membership: Grant | null): number {
  if (passesEveryOrgRule(viewer)) return Number.POSITIVE_INFINITY;
  return membership ? membership.rank : 0;
}

export function isOwner(roles: Roles, assignment: Assignment): boolean {
  const owner = roles.ownerRole;
  return assignment.role === owner || assignment.additionalRoles.includes(owner);
}

const rankOf = (roles: Roles, a: Assignment) => roles.summarize(a.role, a.additionalRoles).rank;

/** Nobody grants a role ranked above their own. */
export function mayGrant(roles: Roles, actorRank: number, granted: Assignment): Decision {
  return rankOf(roles, granted) > actorRank ? deny('INSUFFICIENT_ROLE', 'You cannot grant a role ranked above your own.') : null;
}

/**
 * An org keeps at least one owner: `after` is the member's assignment after the change, or null
 * when they leave. `ownerCount` is asked only when the member is an owner losing the role.
 */
export function keepsAnOwner(roles: Roles, before: Assignment, after: Assignment | null, ownerCount: () => number): Decision {
  if (!isOwner(roles, before) || (after && isOwner(roles, after))) return null;
  if (ownerCount() > 1) return null;
  return deny('LAST_OWNER', `An organization must keep at least one ${roles.ownerRole}; appoint another first.`);
}

/** Changing a member's roles: not someone ranked above you, not to a role above yours, never the last owner away. */
export function mayChangeRole(roles: Roles, actorRank: number, before: Assignment, after: Assignment, ownerCount: () => number): Decision {
  if (rankOf(roles, before) > actorRank) return deny('INSUFFICIENT_ROLE', 'You cannot change the role of someone ranked above you.');
  return mayGrant(roles, actorRank, after) ?? keepsAnOwner(roles, before, after, ownerCount);
}

/** Removing a member (or leaving, when the actor is the member): not someone ranked above you, never the last owner. */
export function mayRemove(
  roles: Roles,
  actor: PolicyViewer,
  actorRank: number,
  target: Assignment & { readonly userId: string },
  ownerCount: () => number,
): Decision {
  if (actor.id !== target.userId && rankOf(roles, target) > actorRank) return deny('INSUFFICIENT_ROLE', 'You cannot remove someone ranked above you.');
  return keepsAnOwner(roles, target, null, ownerCount);
}

/**
 * Handing the owner role to another member: only someone who holds it may give it away (app
 * admins included: they hold no membership to step down from), and the new owner must not
 * already be one.
 */
export function mayTransferOwnership(roles: Roles, from: Assignment | null, to: Assignment): Decision {
  if (!from || !isOwner(roles, from))
    return deny('NOT_OWNER', `Only a member with the ${roles.ownerRole} role can transfer ownership.`, { required: roles.ownerRole });
  if (isOwner(roles, to)) return deny('ALREADY_OWNER', `The member already has the ${roles.ownerRole} role.`);
  return null;
}

/** What each side holds after a transfer: the owner role moves; the giver keeps the next role down. */
export function afterTransfer(roles: Roles, from: Assignment, to: Assignment): { from: Assignment; to: Assignment } | null {
  const owner = roles.ownerRole;
  const nextDown = roles.ordered[1]?.name;
  if (!nextDown) return null;
  return {
    from: { role: nextDown, additionalRoles: from.additionalRoles.filter((r) => r !== owner && r !== nextDown) },
    to: { role: owner, additionalRoles: to.additionalRoles.filter((r) => r !== owner) },
  };
}

/** Throws the denial as the domain error services raise; does nothing when allowed. */
export function enforce(decision: Decision): void {
  if (decision) throw new AppError(decision.code, decision.message, { reason: decision.reason, details: { ...decision.details } });
}

// ---------------------------------------------------------------------------------------------
// Users
// ---------------------------------------------------------------------------------------------

/**
 * How much of a user the viewer may see: `ALL` for the user themself and app admins,
 * `DIRECTORY` (id, display name, email, their membership in the shared org) for someone who
 * shares an org with them, `NONE` for anyone else.
 */
export type UserVisibility = 'ALL' | 'DIRECTORY' | 'NONE';

export function userVisibility(viewer: PolicyViewer, userId: string, sharesOrg: boolean): UserVisibility {
  if (viewer.id === userId || passesEveryOrgRule(viewer)) return 'ALL';
  // The admin behind an impersonation is the one at the keyboard: the session may name them.
  return sharesOrg || viewer.impersonatorId === userId ? 'DIRECTORY' : 'NONE';
}

/** The user themself passes; others need an alternative the caller checks next. */
export const notSelf = (): Denial => deny('NOT_SELF', 'Only the user themself or an authorized member may do this.');

export const noSharedOrg = (): Denial => deny('NO_SHARED_ORG', 'You do not share an organization with this user.');

// ---------------------------------------------------------------------------------------------
// Capabilities: what the viewer may do here (for clients that show or hide actions)
// ---------------------------------------------------------------------------------------------

export type OrgCapabilities = {
  canUpdate: boolean;
  canDelete: boolean;
  canInvite: boolean;
  /** Roles the viewer may grant when inviting or changing a role, highest first. */
  assignableRoles: string[];
};

export function orgCapabilities(roles: Roles, viewer: PolicyViewer, orgId: string, membership: Grant | null): OrgCapabilities {
  const may = (permission: string) => inOrg(viewer, orgId, membership, withPermissions([permission])) === null;
  const rank = actingRank(viewer, membership);
  const canInvite = may(ORG_PERMISSIONS.invite);
  const canChange = may(ORG_PERMISSIONS.changeRole);
  return {
    canUpdate: may(ORG_PERMISSIONS.update),
    // deleteOrg is @noImpersonation: an impersonating admin is refused whatever the user's role.
    canDelete: refuseImpersonation(viewer) === null && may(ORG_PERMISSIONS.delete),
    canInvite,
    assignableRoles: canInvite || canChange ? roles.ordered.filter((r) => r.rank <= rank).map((r) => r.name) : [],
  };
}

export type MembershipCapabilities = {
  canRemove: boolean;
  canChangeRole: boolean;
  /** transferOrgOwnership to this member: the rank rules only (a pending change or ORG_LIMIT is known at write time). */
  canTransferOwnership: boolean;
  /** Primary roles `changeOrgMemberRole` would accept for this member (additional roles kept), highest first. */
  assignableRoles: string[];
};

/** What the viewer may do to `target`'s membership, with the same rules the mutations enforce. */
export function membershipCapabilities(
  roles: Roles,
  viewer: PolicyViewer,
  viewerMembership: Grant | null,
  target: Assignment & { readonly orgId: string; readonly userId: string },
  ownerCount: () => number,
): MembershipCapabilities {
  const rank = actingRank(viewer, viewerMembership);
  const self = viewer.id === target.userId;
  const mayRemovePermission = self || inOrg(viewer, target.orgId, viewerMembership, withPermissions([ORG_PERMISSIONS.remove])) === null;
  const mayChangePermission = inOrg(viewer, target.orgId, viewerMembership, withPermissions([ORG_PERMISSIONS.changeRole])) === null;
  // Each candidate is checked with the very rule changeOrgMemberRole enforces.
  const assignableRoles = mayChangePermission
    ? roles.ordered
        .map((r) => r.name)
        .filter((role) => mayChangeRole(roles, rank, target, { role, additionalRoles: target.additionalRoles }, ownerCount) === null)
    : [];
  return {
    canRemove: mayRemovePermission && mayRemove(roles, viewer, rank, target, ownerCount) === null,
    canChangeRole: assignableRoles.length > 0,
    // transferOrgOwnership is @noImpersonation, and nobody transfers to themself.
    canTransferOwnership:
      !self &&
      refuseImpersonation(viewer) === null &&
      // The viewer's grant carries the rank of their highest role: the owner role's rank means they hold it.
      viewerMembership !== null &&
      viewerMembership.rank === roles.ordered[0]?.rank &&
      !isOwner(roles, target) &&
      roles.ordered.length > 1,
    assignableRoles,
  };
}

/** The role catalogue as clients see it: highest rank first, each with what it grants and inherits. */
export function roleCatalogue(roles: Roles): { name: string; rank: number; permissions: string[]; inheritedRoles: string[] }[] {
  return roles.ordered.map((r) => {
    const s = roles.summarize(r.name);
    return { name: r.name, rank: r.rank, permissions: [...s.permissions].sort(), inheritedRoles: [...s.inheritedRoles] };
  });
}
