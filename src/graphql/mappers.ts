import type { AuditRow, ImpersonationRevocationRow, InvitationRow, MembershipRow, OrgRow, UserRow } from '../db/schema/index.js';
import type { Impersonation } from '../services/impersonation.js';
import type { InvitationPage } from '../services/invitation.js';
import type { AuditPage } from '../services/audit.js';
import type { PassageDevice, PassageMagicLink } from '../passage/types.js';
import type { MemberPage } from '../services/membership.js';
import type { OrgPage } from '../services/org.js';

/**
 * What resolvers receive as `parent` for each GraphQL object type. Codegen reads these through
 * `mappers` in codegen.ts. A `User` parent is the local row: Passage-backed fields load
 * through the request's DataLoaders, so a Passage outage only nulls those fields.
 */
export type AppParent = { id: string };
export type UserParent = UserRow;
export type DeviceParent = PassageDevice;
export type OrgParent = OrgRow;
export type OrgMembershipParent = MembershipRow;
export type OrgMemberConnectionParent = MemberPage;
export type OrgMemberEdgeParent = MembershipRow;
export type OrgConnectionParent = OrgPage;
export type AuditEventParent = AuditRow;
export type AuditEventConnectionParent = AuditPage;
export type OrgEdgeParent = OrgRow;
export type RemoveOrgMemberPayloadParent = { orgId: string; removedUserId: string };
/** A page of the user directory; nodes are local rows (transient for users who never used passgraph). */
export type UserConnectionParent = { edges: UserEdgeParent[]; totalCount: number; hasNextPage: boolean; hasPreviousPage: boolean };
export type UserEdgeParent = { node: UserRow; cursor: string };
export type MagicLinkParent = PassageMagicLink;
export type OrgInvitationParent = InvitationRow;
export type OrgInvitationConnectionParent = InvitationPage;
export type ImpersonationParent = Impersonation;
export type ImpersonationRevocationParent = ImpersonationRevocationRow;

/**
 * Source properties that access directives may read with `org: PARENT` / `user: PARENT` beyond
 * the GraphQL fields of the type (checked when the schema is built).
 */
export const parentProperties: Readonly<Record<string, readonly string[]>> = {
  OrgMembership: ['orgId', 'userId'],
  RemoveOrgMemberPayload: ['orgId', 'removedUserId'],
};
