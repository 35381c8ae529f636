import type { Resolvers } from '../__generated__/resolvers-types.js';
import * as app from './app.js';
import * as audit from './audit.js';
import * as base from './base.js';
import * as device from './device.js';
import * as impersonation from './impersonation.js';
import * as invitation from './invitation.js';
import * as membership from './membership.js';
import * as org from './org.js';
import * as role from './role.js';
import * as user from './user.js';

/** One module per schema file; root fields are merged here so each module stays self-contained. */
export const resolvers: Resolvers = {
  ...base.scalars,
  Query: { ...app.Query, ...user.Query, ...org.Query, ...role.Query, ...audit.Query },
  Mutation: { ...user.Mutation, ...org.Mutation, ...membership.Mutation, ...invitation.Mutation, ...impersonation.Mutation },
  App: app.App,
  User: { ...user.User, ...membership.User, ...invitation.User, ...impersonation.User },
  UserConnection: user.UserConnection,
  UserEdge: user.UserEdge,
  MagicLink: user.MagicLink,
  Device: device.Device,
  Org: { ...org.Org, ...audit.Org, ...invitation.Org },
  AuditEvent: audit.AuditEvent,
  AuditEventConnection: audit.AuditEventConnection,
  AuditEventEdge: audit.AuditEventEdge,
  OrgMemberConnection: org.OrgMemberConnection,
  OrgMemberEdge: org.OrgMemberEdge,
  OrgConnection: org.OrgConnection,
  OrgEdge: org.OrgEdge,
  OrgMembership: membership.OrgMembership,
  OrgInvitation: invitation.OrgInvitation,
  OrgInvitationConnection: invitation.OrgInvitationConnection,
  OrgInvitationEdge: invitation.OrgInvitationEdge,
  RemoveOrgMemberPayload: membership.RemoveOrgMemberPayload,
  Impersonation: impersonation.Impersonation,
  ImpersonationRevocation: impersonation.ImpersonationRevocation,
};
