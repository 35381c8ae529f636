import * as policy from '../auth/policy.js';
import type { Roles, RoleSummary } from '../auth/roles.js';
import type { MembershipRow } from '../db/schema/index.js';
import { badUserInput } from '../errors.js';

/**
 * Questions about roles and what they grant, asked by clients: the catalogue, tests of one
 * membership's roles, and what the viewer may do (answered by the policy the mutations enforce).
 * A name that no role definition knows is the caller's mistake, never a quiet `false`.
 */

export function requireKnownRole(roles: Roles, role: string, field = 'role'): void {
  if (!roles.has(role)) throw badUserInput(field, `Unknown role "${role}".`);
}

export function requireKnownPermissions(roles: Roles, permissions: readonly string[], field = 'permissions'): void {
  const unknown = permissions.filter((p) => !roles.permissions.has(p));
  if (unknown.length > 0) throw badUserInput(field, `Unknown permission ${unknown.map((p) => `"${p}"`).join(', ')}.`);
}

/** True when `role` is the member's primary role or one of their additional roles. */
export function isRole(roles: Roles, summary: RoleSummary, role: string): boolean {
  requireKnownRole(roles, role);
  return summary.assigned.includes(role);
}

export function isAtLeast(roles: Roles, summary: RoleSummary, role: string): boolean {
  requireKnownRole(roles, role);
  return summary.rank >= roles.rankOf(role);
}

export function hasAllPermissions(roles: Roles, summary: RoleSummary, permissions: readonly string[]): boolean {
  requireKnownPermissions(roles, permissions);
  return permissions.every((p) => summary.permissions.has(p));
}

export function hasPermission(roles: Roles, summary: RoleSummary, permission: string): boolean {
  requireKnownPermissions(roles, [permission], 'permission');
  return summary.permissions.has(permission);
}

export type OrgCapabilities = { update: boolean; delete: boolean; invite: boolean; assignableRoles: string[] };

export function orgCapabilities(roles: Roles, viewer: policy.PolicyViewer, orgId: string, membership: policy.Grant | null): OrgCapabilities {
  const c = policy.orgCapabilities(roles, viewer, orgId, membership);
  return { update: c.canUpdate, delete: c.canDelete, invite: c.canInvite, assignableRoles: c.assignableRoles };
}

export type MembershipCapabilities = { remove: boolean; changeRole: boolean; transferOwnership: boolean; assignableRoles: string[] };

export function membershipCapabilities(
  roles: Roles,
  viewer: policy.PolicyViewer,
  viewerMembership: policy.Grant | null,
  target: MembershipRow,
  ownerCount: () => number,
): MembershipCapabilities {
  const c = policy.membershipCapabilities(roles, viewer, viewerMembership, target, ownerCount);
  return { remove: c.canRemove, changeRole: c.canChangeRole, transferOwnership: c.canTransferOwnership, assignableRoles: c.assignableRoles };
}
