import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { AppParent as AppParentModel, UserParent as UserParentModel, DeviceParent as DeviceParentModel, OrgParent as OrgParentModel, OrgMembershipParent as OrgMembershipParentModel, OrgMemberConnectionParent as OrgMemberConnectionParentModel, OrgMemberEdgeParent as OrgMemberEdgeParentModel, OrgConnectionParent as OrgConnectionParentModel, AuditEventParent as AuditEventParentModel, AuditEventConnectionParent as AuditEventConnectionParentModel, OrgEdgeParent as OrgEdgeParentModel, RemoveOrgMemberPayloadParent as RemoveOrgMemberPayloadParentModel, UserConnectionParent as UserConnectionParentModel, UserEdgeParent as UserEdgeParentModel, MagicLinkParent as MagicLinkParentModel, ImpersonationParent as ImpersonationParentModel, ImpersonationRevocationParent as ImpersonationRevocationParentModel, OrgInvitationParent as OrgInvitationParentModel, OrgInvitationConnectionParent as OrgInvitationConnectionParentModel } from '../mappers.js';
import type { GraphQLContext } from '../context.js';
export type Maybe<T> = T | null;
export type InputMaybe<T> = T | null | undefined;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An instant in time, serialised as an ISO-8601 string in UTC (for example `2026-01-16T09:30:00.000Z`). */
  DateTime: { input: Date; output: Date | string; }
  /**
   * Arbitrary JSON: an object, array, string, number, boolean or null. As input it may nest at most 32
   * levels and be at most 64 KB: more is `BAD_USER_INPUT` in a variable, a validation error inline.
   */
  JSON: { input: unknown; output: unknown; }
};

/** The Passage application this server authenticates against. */
export type App = {
  __typename?: 'App';
  /** The Passage app id; tokens must name it in their `aud` claim. */
  id: Scalars['ID']['output'];
  /** The app's display name as configured in Passage. Null with an `UPSTREAM_UNAVAILABLE` error when Passage cannot be reached. */
  name: Maybe<Scalars['String']['output']>;
};

/** A user's role across the whole application, independent of any organization. */
export type AppRole =
  /** An application administrator: may manage every user. */
  | 'ADMIN'
  /** An ordinary user. */
  | 'USER';

/** One entry of the append-only audit log: who tried to change what, when, and how it ended. */
export type AuditEvent = {
  __typename?: 'AuditEvent';
  /** What was done, such as `org.create`, `membership.change_role` or `org.transfer_ownership`. */
  action: Scalars['String']['output'];
  /**
   * The user who acted; null when the server acted on its own or the user is unknown here. During
   * an impersonation this is the app admin, and `onBehalfOf` the user they acted as.
   */
  actor: Maybe<User>;
  /** When it happened. */
  at: Scalars['DateTime']['output'];
  /**
   * What changed: `{ before, after }` as recorded. Secrets, tokens and magic-link URLs never appear
   * (their values read `[redacted]`), and organization metadata appears only as a digest.
   */
  changes: Scalars['JSON']['output'];
  /** The error code of a refused or failed change; null on success. */
  errorCode: Maybe<Scalars['String']['output']>;
  /** The event id; later events have larger ids. */
  id: Scalars['ID']['output'];
  /**
   * When an app admin acted while impersonating a user (see `impersonateUser`): that user. Null for
   * everything a user did themself, and when the user is gone.
   */
  onBehalfOf: Maybe<User>;
  /** The organization concerned; null when none, or when it no longer exists. */
  org: Maybe<Org>;
  /** Whether the change was made. */
  outcome: AuditOutcome;
  /** The object changed. */
  target: AuditTarget;
};

/** A page of audit events, newest first. */
export type AuditEventConnection = {
  __typename?: 'AuditEventConnection';
  /** The events in this page, each with its cursor. */
  edges: Array<AuditEventEdge>;
  /** Where this page sits in the whole list. There is no total count: the log only grows. */
  pageInfo: PageInfo;
};

/** One event in a page of audit events. */
export type AuditEventEdge = {
  __typename?: 'AuditEventEdge';
  /** Pass as `after` to continue with older events. */
  cursor: Scalars['String']['output'];
  /** The event. */
  node: AuditEvent;
};

/** Which audit events to return; every given condition must hold. */
export type AuditLogFilter = {
  /** Only events with this action, such as `org.update`. */
  action?: InputMaybe<Scalars['String']['input']>;
  /** Only events by this user (during an impersonation, the admin). */
  actorId?: InputMaybe<Scalars['ID']['input']>;
  /** Only events an admin did while impersonating this user. */
  onBehalfOf?: InputMaybe<Scalars['ID']['input']>;
  /** Only events about this organization. */
  orgId?: InputMaybe<Scalars['ID']['input']>;
  /** Only events at or after this time. */
  since?: InputMaybe<Scalars['DateTime']['input']>;
  /** Only events whose target has this id. */
  targetId?: InputMaybe<Scalars['ID']['input']>;
  /** Only events before this time. */
  until?: InputMaybe<Scalars['DateTime']['input']>;
};

/** Whether an audited change happened. */
export type AuditOutcome =
  /** The change was refused or failed; `errorCode` says why. */
  | 'FAILURE'
  /** The change was made. */
  | 'SUCCESS';

/** What an audited change was about. */
export type AuditTarget = {
  __typename?: 'AuditTarget';
  /** Its id (for a membership, `orgId:userId`). */
  id: Scalars['ID']['output'];
  /** The kind of object: `org`, `membership`, `user`, ... */
  type: Scalars['String']['output'];
};

/**
 * A magic link. Name exactly one target: `email`, `phone` or `userId`. A link to an email or phone
 * Passage does not know creates that user.
 */
export type CreateMagicLinkInput = {
  /** How to deliver it; required when `send` is true. */
  channel?: InputMaybe<MagicLinkChannel>;
  /** Send to this email address. */
  email?: InputMaybe<Scalars['String']['input']>;
  /** Language of the message Passage sends: one of `de`, `en`, `es`, `it`, `pl`, `pt`, `zh`. */
  language?: InputMaybe<Scalars['String']['input']>;
  /** Path of the app page that handles the link, starting with `/`. */
  magicLinkPath?: InputMaybe<Scalars['String']['input']>;
  /** Send to this phone number (E.164). */
  phone?: InputMaybe<Scalars['String']['input']>;
  /** Where the user lands after the link is used. */
  redirectUrl?: InputMaybe<Scalars['String']['input']>;
  /** When true, Passage delivers the link itself; otherwise only the link is returned. */
  send?: InputMaybe<Scalars['Boolean']['input']>;
  /** Minutes the link stays valid, 1 to 1440 (default 60). */
  ttl?: InputMaybe<Scalars['Int']['input']>;
  /** What the link does; `LOGIN` by default. */
  type?: InputMaybe<MagicLinkType>;
  /** Send to this existing user (a Passage user id). */
  userId?: InputMaybe<Scalars['ID']['input']>;
};

/** Fields of a new organization. */
export type CreateOrgInput = {
  /** Optional JSON object for the application's own data (at most 16 KB). */
  metadata?: InputMaybe<Scalars['JSON']['input']>;
  /** The display name, 1 to 100 characters after trimming. */
  name: Scalars['String']['input'];
};

/** A new Passage user. At least one of `email` and `phone` is required. */
export type CreateUserInput = {
  /** Email address; stored lower-cased. */
  email?: InputMaybe<Scalars['String']['input']>;
  /** Custom user metadata (a JSON object). */
  metadata?: InputMaybe<Scalars['JSON']['input']>;
  /** Phone number in E.164 form, such as `+14155550100`. */
  phone?: InputMaybe<Scalars['String']['input']>;
};

/** The result of deleting an organization. */
export type DeleteOrgPayload = {
  __typename?: 'DeleteOrgPayload';
  /** The id of the organization that no longer exists. */
  deletedOrgId: Scalars['ID']['output'];
};

/** The result of deleting a user. */
export type DeleteUserPayload = {
  __typename?: 'DeleteUserPayload';
  /** The id of the user that no longer exists, in Passage or here. */
  deletedUserId: Scalars['ID']['output'];
};

/** What a denied caller receives. */
export type DenyMode =
  /** A `FORBIDDEN` error with a machine-readable `extensions.reason`. */
  | 'ERROR'
  /** A `NOT_FOUND` error, the same answer as for an object that does not exist, so existence is not revealed. */
  | 'NOT_FOUND';

/** A passkey or other WebAuthn credential registered to a user in Passage. */
export type Device = {
  __typename?: 'Device';
  /** When the credential was registered. */
  createdAt: Scalars['DateTime']['output'];
  /** A name the user or the browser gave the credential, such as "Chrome on Mac". */
  friendlyName: Scalars['String']['output'];
  /** The Passage device id. */
  id: Scalars['ID']['output'];
  /** The most recent sign-in with this credential; null when never used. */
  lastLoginAt: Maybe<Scalars['DateTime']['output']>;
  /** The kind of credential. */
  type: DeviceType;
  /** How many times the credential has been used to sign in. */
  usageCount: Scalars['Int']['output'];
};

/** The kind of WebAuthn credential. */
export type DeviceType =
  /** A type this server does not know yet. */
  | 'OTHER'
  /** A synced or device-bound passkey. */
  | 'PASSKEY'
  /** A platform authenticator built into the device. */
  | 'PLATFORM'
  /** A roaming hardware security key. */
  | 'SECURITY_KEY';

/** Where an access directive reads an id from. */
export type IdSource =
  /** A field argument; `path` names it, with dots into input objects (for example `input.orgId`). */
  | 'ARG'
  /** The parent object: the object that owns the field, or for a directive on a type the guarded object itself. */
  | 'PARENT';

/** Whom to impersonate, and why. */
export type ImpersonateUserInput = {
  /** Why (a support ticket, say): required, 1 to 500 characters after trimming; kept in the audit log. */
  reason: Scalars['String']['input'];
  /** The Passage user id of the user to act as. */
  userId: Scalars['ID']['input'];
};

/**
 * A token with which an app admin acts as a user, for support. Send it as `Authorization: Bearer
 * <token>` (never as a cookie): every request then runs as the user, with exactly the user's rights,
 * `me.impersonator` names the admin, and every audit event records the admin as `actor` and the
 * user as `onBehalfOf`. Mutations marked `@noImpersonation` are refused.
 */
export type Impersonation = {
  __typename?: 'Impersonation';
  /**
   * When the token stops working (`IMPERSONATION_TTL_SECONDS` after it was issued); it can be ended
   * earlier with `revokeImpersonation`.
   */
  expiresAt: Scalars['DateTime']['output'];
  /**
   * The signed token (a JWT passgraph signs with its own key; `sub` is the user, `act.sub` the
   * admin). Shown once: it is not stored.
   */
  token: Scalars['String']['output'];
  /** The user acted as. */
  user: User;
};

/** An impersonation ended before its expiry. */
export type ImpersonationRevocation = {
  __typename?: 'ImpersonationRevocation';
  /** When the token would have expired. */
  expiresAt: Scalars['DateTime']['output'];
  /** The admin who started the impersonation; null when the viewer may not see them. */
  impersonator: Maybe<User>;
  /** When it was ended (the first revocation, when revoked more than once). */
  revokedAt: Scalars['DateTime']['output'];
  /** The user who was acted as. */
  user: User;
};

/** Who to invite, and with which roles. */
export type InviteOrgMemberInput = {
  /** Further roles the invitee gets on accepting. */
  additionalRoles?: InputMaybe<Array<Scalars['String']['input']>>;
  /** The invitee's email address; it need not belong to a user yet. */
  email: Scalars['String']['input'];
  /** The organization id. */
  orgId: Scalars['ID']['input'];
  /** The primary role the invitee gets on accepting; not ranked above the inviter's own. */
  role: Scalars['String']['input'];
};

/** A magic link created in Passage. Its secret is never returned; the URL is shown once to the caller and never logged. */
export type MagicLink = {
  __typename?: 'MagicLink';
  /** True once the link has been used. */
  activated: Scalars['Boolean']['output'];
  /** The Passage magic link id. */
  id: Scalars['ID']['output'];
  /** The email address or phone number it was made for. */
  identifier: Scalars['String']['output'];
  /** Where the user lands after using it. */
  redirectUrl: Scalars['String']['output'];
  /** Minutes the link stays valid. */
  ttl: Scalars['Int']['output'];
  /** What the link does. */
  type: MagicLinkType;
  /** The link to open. */
  url: Scalars['String']['output'];
  /** The user the link signs in or verifies. */
  userId: Scalars['ID']['output'];
};

/** How a magic link reaches the user. */
export type MagicLinkChannel =
  /** By email. */
  | 'EMAIL'
  /** By text message. */
  | 'PHONE';

/** What a magic link does when opened. */
export type MagicLinkType =
  /** Signs the user in. */
  | 'LOGIN'
  /** Confirms the user owns the email address or phone number. */
  | 'VERIFY_IDENTIFIER';

/** What the signed-in user may do to one membership, answered by the rules the mutations enforce. */
export type MembershipCapabilities = {
  __typename?: 'MembershipCapabilities';
  /** The primary roles `changeOrgMemberRole` would accept for this member (keeping their additional roles), highest first. */
  assignableRoles: Array<Scalars['String']['output']>;
  /** True when `changeOrgMemberRole` would succeed for at least one role. */
  changeRole: Scalars['Boolean']['output'];
  /** True when `removeOrgMember` (or leaving, for the viewer's own membership) would succeed now. */
  remove: Scalars['Boolean']['output'];
  /**
   * True when `transferOrgOwnership` to this member would pass the role rules: the viewer holds the
   * owner role, the member does not, and the viewer is not impersonating. It can still be refused at
   * write time for a pending change to either user (`PENDING_CHANGE`) or the receiver's org limit
   * (`ORG_LIMIT`).
   */
  transferOwnership: Scalars['Boolean']['output'];
};

/** Write operations. Every field states who may call it; each returns the object it created or changed. */
export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Joins the organization with the invitation's roles and returns the new membership. The signed-in
   * user's email must be the invited one (any case), else `FORBIDDEN` (`INVITATION_EMAIL_MISMATCH`).
   * Expired, revoked or already answered: `CONFLICT` (`INVITATION_EXPIRED`, `INVITATION_REVOKED`,
   * `INVITATION_USED`); an unknown token or id: `NOT_FOUND`; the organization deleted since:
   * `NOT_FOUND` (`ORG_DELETED`); already a member: `CONFLICT` (`ALREADY_MEMBER`); both or neither
   * of `token` and `id`: `BAD_USER_INPUT`. Refused while impersonating (`FORBIDDEN`, reason
   * `IMPERSONATION`): joining an organization is the user's own consent.
   */
  acceptOrgInvitation: OrgMembership;
  /** Lets a deactivated user sign in again and returns them. */
  activateUser: User;
  /**
   * Adds an existing Passage user to an organization with a role, and returns the membership.
   * Nobody can grant a role ranked above their own. `NOT_FOUND` when Passage has no such user,
   * `CONFLICT` when they are already a member, `BAD_USER_INPUT` for an unknown role.
   */
  addOrgMember: OrgMembership;
  /**
   * Changes a member's role and returns the membership. Nobody can change the role of someone
   * ranked above them or grant a role above their own; demoting the last owner is `CONFLICT`, and so
   * is demoting an owner while every other owner's deletion or deactivation is still at Passage
   * (reason `PENDING_CHANGE`).
   */
  changeOrgMemberRole: OrgMembership;
  /** Creates a magic link (and the user, for an unknown email or phone). */
  createMagicLink: MagicLink;
  /**
   * Creates an organization; the caller becomes its owner (the highest-ranked role). A user may
   * own a limited number of organizations (`MAX_ORGS_PER_USER`, default 100): past it `CONFLICT`
   * with reason `ORG_LIMIT` and `extensions.limit`.
   */
  createOrg: Org;
  /**
   * Creates a user in Passage and returns it. `CONFLICT` when the email or phone is taken;
   * `OUTCOME_UNKNOWN` when Passage did not answer (sending the same input again is safe).
   */
  createUser: User;
  /**
   * Stops a user from signing in; their requests are refused (401) from the moment Passage is asked,
   * even with an unexpired token. An admin cannot deactivate themself, nor the last owner of an
   * organization (`CONFLICT`); another change to the user still at Passage is `CONFLICT` with reason
   * `PENDING_CHANGE`; `OUTCOME_UNKNOWN` when Passage did not answer (retrying is safe).
   */
  deactivateUser: User;
  /**
   * Declines an invitation addressed to the signed-in user and returns it; the same refusals as
   * `acceptOrgInvitation`.
   */
  declineOrgInvitation: OrgInvitation;
  /** Deletes an organization and all its memberships. */
  deleteOrg: DeleteOrgPayload;
  /**
   * Deletes a user from Passage, then their memberships and local record; their token is refused from
   * the moment Passage is asked. An admin cannot delete themself, nor the last owner of an organization
   * (`CONFLICT`). When Passage refuses nothing changes; when it did not answer the error is
   * `OUTCOME_UNKNOWN`, the user stays refused until Passage has been read, and retrying is safe.
   */
  deleteUser: DeleteUserPayload;
  /**
   * Issues a token with which the calling app admin acts as a user. Refused for another app admin
   * (`FORBIDDEN`, reason `TARGET_IS_ADMIN`), a deactivated user (`CONFLICT`, reason
   * `USER_DEACTIVATED`), a user whose deletion or deactivation is still at Passage (`CONFLICT`,
   * reason `PENDING_CHANGE`), an unknown or deleted user (`NOT_FOUND`) and an empty or too long
   * `reason` (`BAD_USER_INPUT`). Each attempt, with its reason, is audited (`user.impersonate`).
   */
  impersonateUser: Impersonation;
  /**
   * Invites an email address to the organization and asks the identity provider to email it a
   * sign-in link that opens the accept page (`INVITATION_ACCEPT_URL`) with the token. Nobody invites
   * to a role ranked above their own (`FORBIDDEN`, `INSUFFICIENT_ROLE`). An invalid email or an
   * unknown role is `BAD_USER_INPUT`; an email that belongs to a member is `CONFLICT`
   * (`ALREADY_MEMBER`), one with a pending invitation `CONFLICT` (`INVITATION_PENDING`, with
   * `extensions.invitationId`). When the email could not be sent, the invitation is kept and the
   * error says so (reason `INVITATION_NOT_SENT`, or `OUTCOME_UNKNOWN` with reason
   * `INVITATION_SEND_UNKNOWN`), with `extensions.invitationId` for `resendOrgInvitation`.
   */
  inviteOrgMember: OrgInvitation;
  /**
   * Removes a member, or lets a member leave (pass your own user id). Removing someone ranked above
   * you is `FORBIDDEN`; removing the last owner is `CONFLICT`, and so is removing an owner while every
   * other owner's deletion or deactivation is still at Passage (reason `PENDING_CHANGE`).
   */
  removeOrgMember: RemoveOrgMemberPayload;
  /**
   * Sends a pending (or expired) invitation again with a new token and a new expiry; the old token
   * stops working. Needs `org:members:invite` in its organization and a rank at least that of the
   * invited role. A revoked or answered invitation is `CONFLICT` (`INVITATION_REVOKED`, `INVITATION_USED`).
   */
  resendOrgInvitation: OrgInvitation;
  /** Removes one of a user's passkeys or other WebAuthn credentials. True when it was removed. */
  revokeDevice: Scalars['Boolean']['output'];
  /**
   * Ends an impersonation before it expires: the token is refused (401, reason
   * `IMPERSONATION_REVOKED`) from then on. Allowed to the admin who started it, any app admin, and
   * the impersonated session itself (`FORBIDDEN`, reason `NOT_IMPERSONATOR`, for anyone else).
   * Revoking twice answers the first revocation; an expired token is `CONFLICT` (reason
   * `IMPERSONATION_ENDED`); anything but a token this server issued is `BAD_USER_INPUT`. Audited
   * (`user.impersonation_revoke`).
   */
  revokeImpersonation: ImpersonationRevocation;
  /**
   * Revokes a pending invitation: its token stops working. Needs `org:members:invite` in its
   * organization and a rank at least that of the invited role.
   */
  revokeOrgInvitation: OrgInvitation;
  /** Revokes all of a user's refresh tokens, signing them out everywhere once their current auth token expires. True when done. */
  revokeSessions: Scalars['Boolean']['output'];
  /**
   * Sets the signed-in user's active organization (or clears it with `orgId: null`) and returns the
   * user. An organization they do not belong to is `NOT_FOUND`, as for `org(id)`.
   */
  setActiveOrg: User;
  /**
   * Sets a user's application role and returns the user. Users listed in `ADMIN_USER_IDS` are
   * admins by configuration: demoting one is `CONFLICT` with reason `CONFIGURED_ADMIN`.
   * `NOT_FOUND` when Passage has no such user.
   */
  setAppRole: User;
  /**
   * Gives the owner role (the highest-ranked role) to another member and returns their membership;
   * the caller keeps the next role down. Both changes commit together and are audited
   * (`org.transfer_ownership`). Only a member holding the owner role may call it (`FORBIDDEN`,
   * reason `NOT_OWNER`); the receiver must be a member (`NOT_FOUND`) who is not already an owner
   * (`CONFLICT`, reason `ALREADY_OWNER`); naming yourself is `BAD_USER_INPUT`. While the receiver's
   * deletion or deactivation is still at Passage: `CONFLICT`, reason `PENDING_CHANGE`. A receiver who
   * would then own more than `MAX_ORGS_PER_USER` organizations: `CONFLICT`, reason `ORG_LIMIT`, with
   * `extensions.limit`.
   */
  transferOrgOwnership: OrgMembership;
  /** Updates the signed-in user's own profile and returns it. */
  updateMe: User;
  /** Renames an organization or replaces its metadata, and returns it. */
  updateOrg: Org;
  /** Changes a user's email, phone or metadata in Passage and returns the user. */
  updateUser: User;
};


/** Write operations. Every field states who may call it; each returns the object it created or changed. */
export type MutationAcceptOrgInvitationArgs = {
  input: OrgInvitationAnswerInput;
};


/** Write operations. Every field states who may call it; each returns the object it created or changed. */
export type MutationActivateUserArgs = {
  id: Scalars['ID']['input'];
};


/** Write operations. Every field states who may call it; each returns the object it created or changed. */
export type MutationAddOrgMemberArgs = {
  additionalRoles?: InputMaybe<Array<Scalars['String']['input']>>;
  orgId: Scalars['ID']['input'];
  role: Scalars['String']['input'];
  userId: Scalars['ID']['input'];
};


/** Write operations. Every field states who may call it; each returns the object it created or changed. */
export type MutationChangeOrgMemberRoleArgs = {
  additionalRoles?: InputMaybe<Array<Scalars['String']['input']>>;
  orgId: Scalars['ID']['input'];
  role: Scalars['String']['input'];
  userId: Scalars['ID']['input'];
};


/** Write operations. Every field states who may call it; each returns the object it created or changed. */
export type MutationCreateMagicLinkArgs = {
  input: CreateMagicLinkInput;
};


/** Write operations. Every field states who may call it; each returns the object it created or changed. */
export type MutationCreateOrgArgs = {
  input: CreateOrgInput;
};


/** Write operations. Every field states who may call it; each returns the object it created or changed. */
export type MutationCreateUserArgs = {
  input: CreateUserInput;
};


/** Write operations. Every field states who may call it; each returns the object it created or changed. */
export type MutationDeactivateUserArgs = {
  id: Scalars['ID']['input'];
};


/** Write operations. Every field states who may call it; each returns the object it created or changed. */
export type MutationDeclineOrgInvitationArgs = {
  input: OrgInvitationAnswerInput;
};


/** Write operations. Every field states who may call it; each returns the object it created or changed. */
export type MutationDeleteOrgArgs = {
  id: Scalars['ID']['input'];
};


/** Write operations. Every field states who may call it; each returns the object it created or changed. */
export type MutationDeleteUserArgs = {
  id: Scalars['ID']['input'];
};


/** Write operations. Every field states who may call it; each returns the object it created or changed. */
export type MutationImpersonateUserArgs = {
  input: ImpersonateUserInput;
};


/** Write operations. Every field states who may call it; each returns the object it created or changed. */
export type MutationInviteOrgMemberArgs = {
  input: InviteOrgMemberInput;
};


/** Write operations. Every field states who may call it; each returns the object it created or changed. */
export type MutationRemoveOrgMemberArgs = {
  orgId: Scalars['ID']['input'];
  userId: Scalars['ID']['input'];
};


/** Write operations. Every field states who may call it; each returns the object it created or changed. */
export type MutationResendOrgInvitationArgs = {
  input: OrgInvitationIdInput;
};


/** Write operations. Every field states who may call it; each returns the object it created or changed. */
export type MutationRevokeDeviceArgs = {
  deviceId: Scalars['ID']['input'];
  userId: Scalars['ID']['input'];
};


/** Write operations. Every field states who may call it; each returns the object it created or changed. */
export type MutationRevokeImpersonationArgs = {
  input: RevokeImpersonationInput;
};


/** Write operations. Every field states who may call it; each returns the object it created or changed. */
export type MutationRevokeOrgInvitationArgs = {
  input: OrgInvitationIdInput;
};


/** Write operations. Every field states who may call it; each returns the object it created or changed. */
export type MutationRevokeSessionsArgs = {
  userId: Scalars['ID']['input'];
};


/** Write operations. Every field states who may call it; each returns the object it created or changed. */
export type MutationSetActiveOrgArgs = {
  input: SetActiveOrgInput;
};


/** Write operations. Every field states who may call it; each returns the object it created or changed. */
export type MutationSetAppRoleArgs = {
  role: AppRole;
  userId: Scalars['ID']['input'];
};


/** Write operations. Every field states who may call it; each returns the object it created or changed. */
export type MutationTransferOrgOwnershipArgs = {
  input: TransferOrgOwnershipInput;
};


/** Write operations. Every field states who may call it; each returns the object it created or changed. */
export type MutationUpdateMeArgs = {
  input: UpdateMeInput;
};


/** Write operations. Every field states who may call it; each returns the object it created or changed. */
export type MutationUpdateOrgArgs = {
  id: Scalars['ID']['input'];
  input: UpdateOrgInput;
};


/** Write operations. Every field states who may call it; each returns the object it created or changed. */
export type MutationUpdateUserArgs = {
  id: Scalars['ID']['input'];
  input: UpdateUserInput;
};

/** Which way a list is sorted. */
export type OrderDirection =
  /** Smallest first. */
  | 'ASC'
  /** Largest first. */
  | 'DESC';

/**
 * An organization: a group of users, each with a role in it. Only members (and app admins) can
 * see an organization; to anyone else it does not exist.
 */
export type Org = {
  __typename?: 'Org';
  /**
   * This organization's audit events, newest first. Needs the `org:audit:read` permission (the Owner
   * role's by default); others get `FORBIDDEN` (reason `MISSING_PERMISSION`).
   */
  auditLog: AuditEventConnection;
  /** When the organization was created. */
  createdAt: Scalars['DateTime']['output'];
  /** The organization id. */
  id: Scalars['ID']['output'];
  /** Invitations to this organization, newest first, optionally only those with `status`. */
  invitations: OrgInvitationConnection;
  /** Members in the order they joined, optionally only those whose primary role is `role`. */
  members: OrgMemberConnection;
  /** Free-form JSON object for the application's own data. */
  metadata: Scalars['JSON']['output'];
  /** The display name. */
  name: Scalars['String']['output'];
  /**
   * The URL-safe handle, unique among organizations: 1 to 63 lower-case letters or digits in words
   * joined by single hyphens. Made from the name at creation (with `-2`, `-3`, ... when taken);
   * changed with `updateOrg`.
   */
  slug: Scalars['String']['output'];
  /** When the organization was last changed. */
  updatedAt: Scalars['DateTime']['output'];
  /** What the signed-in user may do to this organization. */
  viewerCan: OrgCapabilities;
  /** The signed-in user's own membership; null for app admins who are not members. */
  viewerMembership: Maybe<OrgMembership>;
};


/**
 * An organization: a group of users, each with a role in it. Only members (and app admins) can
 * see an organization; to anyone else it does not exist.
 */
export type OrgAuditLogArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/**
 * An organization: a group of users, each with a role in it. Only members (and app admins) can
 * see an organization; to anyone else it does not exist.
 */
export type OrgInvitationsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  status?: InputMaybe<OrgInvitationStatus>;
};


/**
 * An organization: a group of users, each with a role in it. Only members (and app admins) can
 * see an organization; to anyone else it does not exist.
 */
export type OrgMembersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  query?: InputMaybe<Scalars['String']['input']>;
  role?: InputMaybe<Scalars['String']['input']>;
};

/** What the signed-in user may do to an organization, answered by the rules the mutations enforce. */
export type OrgCapabilities = {
  __typename?: 'OrgCapabilities';
  /** The roles the viewer may grant when adding members or changing roles, highest first; empty when they may do neither. */
  assignableRoles: Array<Scalars['String']['output']>;
  /** True when `deleteOrg` would be allowed (never while impersonating: it is `@noImpersonation`). */
  delete: Scalars['Boolean']['output'];
  /** True when the viewer may add members (`addOrgMember`) and invite them by email (`inviteOrgMember`). */
  invite: Scalars['Boolean']['output'];
  /** True when `updateOrg` would be allowed. */
  update: Scalars['Boolean']['output'];
};

/** A page of organizations. */
export type OrgConnection = {
  __typename?: 'OrgConnection';
  /** The organizations in this page, each with its cursor. */
  edges: Array<OrgEdge>;
  /** Where this page sits in the whole list. */
  pageInfo: PageInfo;
  /** How many organizations match, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** One organization in a page of organizations. */
export type OrgEdge = {
  __typename?: 'OrgEdge';
  /** Pass as `after` to continue after this organization. */
  cursor: Scalars['String']['output'];
  /** The organization. */
  node: Org;
};

/**
 * An invitation to join an organization, addressed to an email. Its token travels only in the
 * emailed link (as the `invitation` query parameter of the accept page) and is never shown again.
 */
export type OrgInvitation = {
  __typename?: 'OrgInvitation';
  /** When it was accepted; null otherwise. */
  acceptedAt: Maybe<Scalars['DateTime']['output']>;
  /** Further roles the invitee gets on accepting. */
  additionalRoles: Array<Scalars['String']['output']>;
  /** When the invitation was created. */
  createdAt: Scalars['DateTime']['output'];
  /** Whether the email with the current token went out. */
  delivery: OrgInvitationDelivery;
  /** The invited email address, lower-cased. */
  email: Scalars['String']['output'];
  /** When the current token stops working (`INVITATION_TTL_HOURS` after the invitation or its last resend). */
  expiresAt: Scalars['DateTime']['output'];
  /** The invitation id. */
  id: Scalars['ID']['output'];
  /** Who invited; null when the viewer may not see that user (the invitee does not share an organization with them yet). */
  invitedBy: Maybe<User>;
  /** When the email was last confirmed sent; null when it never was. */
  lastSentAt: Maybe<Scalars['DateTime']['output']>;
  /** The organization. Null when the viewer may not see it, such as the invitee before joining (read `orgName`). */
  org: Maybe<Org>;
  /** The organization's display name, readable by the invitee too. */
  orgName: Scalars['String']['output'];
  /** The primary role the invitee gets on accepting. */
  role: Scalars['String']['output'];
  /** What became of it; `EXPIRED` once a pending invitation's `expiresAt` has passed. */
  status: OrgInvitationStatus;
};

/** Names the invitation being answered: exactly one of `token` or `id`. */
export type OrgInvitationAnswerInput = {
  /** The invitation id, as listed in `me.invitations`. */
  id?: InputMaybe<Scalars['ID']['input']>;
  /** The token from the emailed link (the accept page's `invitation` query parameter). */
  token?: InputMaybe<Scalars['String']['input']>;
};

/** A page of invitations. */
export type OrgInvitationConnection = {
  __typename?: 'OrgInvitationConnection';
  /** The invitations in this page, each with its cursor. */
  edges: Array<OrgInvitationEdge>;
  /** Where this page sits in the whole list. */
  pageInfo: PageInfo;
  /** How many invitations match, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** Whether the email carrying the current token went out. */
export type OrgInvitationDelivery =
  /** Not sent: the identity provider refused or could not be asked. Resend it. */
  | 'FAILED'
  /** The identity provider is being asked to send it (or the server stopped while asking): not known yet. */
  | 'SENDING'
  /** The identity provider confirmed it sends the email. */
  | 'SENT'
  /** The identity provider did not answer: it may or may not have been sent. Resend it to be sure. */
  | 'UNKNOWN';

/** One invitation in a page of invitations. */
export type OrgInvitationEdge = {
  __typename?: 'OrgInvitationEdge';
  /** Pass as `after` to continue after this invitation. */
  cursor: Scalars['String']['output'];
  /** The invitation. */
  node: OrgInvitation;
};

/** Names one invitation by id. */
export type OrgInvitationIdInput = {
  /** The invitation id. */
  id: Scalars['ID']['input'];
};

/** What became of an invitation. */
export type OrgInvitationStatus =
  /** Accepted: the invitee became a member. */
  | 'ACCEPTED'
  /** Declined by the invitee. */
  | 'DECLINED'
  /** Not answered before `expiresAt`; `resendOrgInvitation` renews a pending one. */
  | 'EXPIRED'
  /** Sent and not yet answered; it can be accepted until `expiresAt`. */
  | 'PENDING'
  /** Revoked by a member who may invite. */
  | 'REVOKED';

/** A page of an organization's members. */
export type OrgMemberConnection = {
  __typename?: 'OrgMemberConnection';
  /** The members in this page, each with its cursor. */
  edges: Array<OrgMemberEdge>;
  /** Where this page sits in the whole list. */
  pageInfo: PageInfo;
  /** How many members match, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** One member in a page of members. */
export type OrgMemberEdge = {
  __typename?: 'OrgMemberEdge';
  /** Pass as `after` to continue after this member. */
  cursor: Scalars['String']['output'];
  /** The membership. */
  node: OrgMembership;
};

/**
 * A user's place in an organization: their role, what it inherits and what it permits. Visible to
 * the member themself and to members of the same organization who hold `org:members:read`;
 * elsewhere it is left out of lists.
 */
export type OrgMembership = {
  __typename?: 'OrgMembership';
  /** Roles held in addition to the primary role. */
  additionalRoles: Array<Scalars['String']['output']>;
  /** When the user joined the organization. */
  createdAt: Scalars['DateTime']['output'];
  /** True when the member's roles grant every one of `permissions`. A permission no role grants is `BAD_USER_INPUT`. */
  hasAllPermissions: Scalars['Boolean']['output'];
  /** True when the member's roles grant `permission`. A permission no role grants is `BAD_USER_INPUT`. */
  hasPermission: Scalars['Boolean']['output'];
  /** The member's highest role and every role ranked below it, highest first. */
  inheritedRoles: Array<Scalars['String']['output']>;
  /** True when the member's highest role ranks at least as high as `role`. An unknown role name is `BAD_USER_INPUT`. */
  isAtLeast: Scalars['Boolean']['output'];
  /** True when `role` is the member's primary role or one of their additional roles (not merely inherited). An unknown role name is `BAD_USER_INPUT`. */
  isRole: Scalars['Boolean']['output'];
  /** The organization. */
  org: Org;
  /** Every permission the member's roles grant, sorted. */
  permissions: Array<Scalars['String']['output']>;
  /** The member's primary role. */
  role: Scalars['String']['output'];
  /** When the membership last changed. */
  updatedAt: Scalars['DateTime']['output'];
  /** The member. */
  user: User;
  /** What the signed-in user may do to this membership. */
  viewerCan: MembershipCapabilities;
};


/**
 * A user's place in an organization: their role, what it inherits and what it permits. Visible to
 * the member themself and to members of the same organization who hold `org:members:read`;
 * elsewhere it is left out of lists.
 */
export type OrgMembershipHasAllPermissionsArgs = {
  permissions: Array<Scalars['String']['input']>;
};


/**
 * A user's place in an organization: their role, what it inherits and what it permits. Visible to
 * the member themself and to members of the same organization who hold `org:members:read`;
 * elsewhere it is left out of lists.
 */
export type OrgMembershipHasPermissionArgs = {
  permission: Scalars['String']['input'];
};


/**
 * A user's place in an organization: their role, what it inherits and what it permits. Visible to
 * the member themself and to members of the same organization who hold `org:members:read`;
 * elsewhere it is left out of lists.
 */
export type OrgMembershipIsAtLeastArgs = {
  role: Scalars['String']['input'];
};


/**
 * A user's place in an organization: their role, what it inherits and what it permits. Visible to
 * the member themself and to members of the same organization who hold `org:members:read`;
 * elsewhere it is left out of lists.
 */
export type OrgMembershipIsRoleArgs = {
  role: Scalars['String']['input'];
};

/** Where a page of a connection sits in the whole list. */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** Cursor of the last edge in this page; pass it as `after` to get the next page. Null for an empty page. */
  endCursor: Maybe<Scalars['String']['output']>;
  /** True when another page follows this one. */
  hasNextPage: Scalars['Boolean']['output'];
  /** True when a page precedes this one. */
  hasPreviousPage: Scalars['Boolean']['output'];
  /** Cursor of the first edge in this page; null for an empty page. */
  startCursor: Maybe<Scalars['String']['output']>;
};

/** Read operations. Every field states who may call it. */
export type Query = {
  __typename?: 'Query';
  /** The Passage application behind this server. */
  app: App;
  /** The whole audit log, newest first (app admins only). */
  auditLog: AuditEventConnection;
  /** The signed-in user, or null when the request carries no auth token. */
  me: Maybe<User>;
  /** An organization by id. Null with `NOT_FOUND` when it does not exist or the caller is not a member: the two cases look the same. */
  org: Maybe<Org>;
  /**
   * An organization by slug, with the same visibility as `org(id)`: null with `NOT_FOUND` when none has
   * this slug or the caller is not a member. A malformed slug is `BAD_USER_INPUT`.
   */
  orgBySlug: Maybe<Org>;
  /** Every organization, oldest first (app admins only). */
  orgs: OrgConnection;
  /** The org role catalogue, highest rank first. */
  roles: Array<RoleDefinition>;
  /** A user by Passage id. Null with `NOT_FOUND` when Passage has no such user. */
  user: Maybe<User>;
  /** The user with this email address (any case) or E.164 phone number; null when there is none. */
  userByIdentifier: Maybe<User>;
  /**
   * Users from the user directory, newest first unless `orderBy` says otherwise, optionally filtered.
   * Answered without calling Passage; changes made in Passage appear within one directory sync interval.
   */
  users: UserConnection;
};


/** Read operations. Every field states who may call it. */
export type QueryAuditLogArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<AuditLogFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/** Read operations. Every field states who may call it. */
export type QueryOrgArgs = {
  id: Scalars['ID']['input'];
};


/** Read operations. Every field states who may call it. */
export type QueryOrgBySlugArgs = {
  slug: Scalars['String']['input'];
};


/** Read operations. Every field states who may call it. */
export type QueryOrgsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  query?: InputMaybe<Scalars['String']['input']>;
};


/** Read operations. Every field states who may call it. */
export type QueryUserArgs = {
  id: Scalars['ID']['input'];
};


/** Read operations. Every field states who may call it. */
export type QueryUserByIdentifierArgs = {
  identifier: Scalars['String']['input'];
};


/** Read operations. Every field states who may call it. */
export type QueryUsersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  orderBy?: InputMaybe<UserOrder>;
  query?: InputMaybe<Scalars['String']['input']>;
  status?: InputMaybe<UserStatus>;
};

/** The result of removing a member or leaving an organization. */
export type RemoveOrgMemberPayload = {
  __typename?: 'RemoveOrgMemberPayload';
  /** The organization, as the caller now sees it: null when the caller just left it. */
  org: Maybe<Org>;
  /** The organization the member was removed from. */
  orgId: Scalars['ID']['output'];
  /** The user who is no longer a member. */
  removedUserId: Scalars['ID']['output'];
};

/** The impersonation to end. */
export type RevokeImpersonationInput = {
  /** The token `impersonateUser` returned. */
  token: Scalars['String']['input'];
};

/** One org role from the role definitions (`ROLES_FILE`, or the default Owner, Admin and Member). */
export type RoleDefinition = {
  __typename?: 'RoleDefinition';
  /** This role and every role ranked below it, highest first. */
  inheritedRoles: Array<Scalars['String']['output']>;
  /** The role's name, as used in `role` and `additionalRoles` arguments. */
  name: Scalars['String']['output'];
  /** Every permission the role grants, its own and those of the roles below it, sorted. */
  permissions: Array<Scalars['String']['output']>;
  /** The rank: a role includes every role ranked below it, and nobody grants a role ranked above their own. */
  rank: Scalars['Int']['output'];
};

/** The organization the signed-in user works in. */
export type SetActiveOrgInput = {
  /** An organization the user belongs to; null clears the choice. */
  orgId?: InputMaybe<Scalars['ID']['input']>;
};

/** Who becomes the owner of an organization. */
export type TransferOrgOwnershipInput = {
  /** The organization id. */
  orgId: Scalars['ID']['input'];
  /** The member who receives the owner role; must already be a member and not an owner. */
  userId: Scalars['ID']['input'];
};

/** Changes a user may make to their own profile. */
export type UpdateMeInput = {
  /** The name to show; 1 to 100 characters after trimming. `null` clears it. */
  displayName?: InputMaybe<Scalars['String']['input']>;
};

/** Changes to an organization; omitted fields keep their value. */
export type UpdateOrgInput = {
  /** Replaces the metadata object; `null` empties it. */
  metadata?: InputMaybe<Scalars['JSON']['input']>;
  /** The new display name, 1 to 100 characters after trimming. */
  name?: InputMaybe<Scalars['String']['input']>;
  /**
   * The new slug (see `Org.slug`). Malformed (uppercase, spaces, over 63 characters): `BAD_USER_INPUT`;
   * held by another organization: `CONFLICT` with reason `SLUG_TAKEN`.
   */
  slug?: InputMaybe<Scalars['String']['input']>;
};

/** Changes to a Passage user; omitted fields keep their value. */
export type UpdateUserInput = {
  /** New email address. */
  email?: InputMaybe<Scalars['String']['input']>;
  /** Metadata keys to set (a JSON object); a key set to null is removed. */
  metadata?: InputMaybe<Scalars['JSON']['input']>;
  /** New phone number in E.164 form. */
  phone?: InputMaybe<Scalars['String']['input']>;
};

/**
 * A person who signs in with Passage. Identity fields come from Passage; `displayName` and
 * `appRole` are kept by this server. Passage-backed fields are null, with an
 * `UPSTREAM_UNAVAILABLE` error at their path, when Passage cannot be reached.
 *
 * Who sees what: the user themself and app admins see every field; someone who shares an
 * organization with the user sees the member-directory fields (`id`, `displayName`, `email`, and
 * the membership through that organization's member list); the other fields are null with
 * `FORBIDDEN` for them. Anyone else sees no user at all (null with `FORBIDDEN`, left out of lists).
 */
export type User = {
  __typename?: 'User';
  /**
   * The user's membership in their active organization (`setActiveOrg`); null when none is set or the
   * membership has ended (removal, leaving or the organization's deletion clear it). Only the user
   * themself may read it (not even app admins: it is a personal preference); anyone else gets null with
   * `FORBIDDEN` (reason `NOT_SELF`).
   */
  activeOrg: Maybe<OrgMembership>;
  /**
   * The user's application-wide role. `ADMIN` for users listed in `ADMIN_USER_IDS` or promoted by an admin.
   * Null (with `FORBIDDEN`) for callers who may not see it.
   */
  appRole: Maybe<AppRole>;
  /** When the user was created in Passage. */
  createdAt: Maybe<Scalars['DateTime']['output']>;
  /** The passkeys and other WebAuthn credentials registered to this user. */
  devices: Maybe<Array<Device>>;
  /** The name the user chose to show; kept by this server, so it is available even when Passage is not. */
  displayName: Maybe<Scalars['String']['output']>;
  /** Email address (lower-cased by Passage); null when the user has none. */
  email: Maybe<Scalars['String']['output']>;
  /** True once the user has proven they own the email address. */
  emailVerified: Maybe<Scalars['Boolean']['output']>;
  /** The Passage user id. */
  id: Scalars['ID']['output'];
  /**
   * On the signed-in user during an impersonation (`me.impersonator`): the app admin acting as
   * them. Null otherwise, and on any other user.
   */
  impersonator: Maybe<User>;
  /**
   * Pending invitations addressed to the user's email (from the user directory), newest first, at
   * most 50. Only the user themself may read it (not even app admins); anyone else gets `FORBIDDEN`
   * (`NOT_SELF`).
   */
  invitations: Array<OrgInvitation>;
  /** The user's most recent sign-in; null when they never signed in. */
  lastLoginAt: Maybe<Scalars['DateTime']['output']>;
  /** How many times the user has signed in. */
  loginCount: Maybe<Scalars['Int']['output']>;
  /**
   * The organizations the user belongs to, oldest first, at most `first` of them. To continue a
   * long list, pass the last membership's org id as `after`. Null (with `FORBIDDEN`) for callers who
   * may not see it; a co-member sees the membership through the organization's member list instead.
   */
  memberships: Maybe<Array<OrgMembership>>;
  /** Custom user metadata stored in Passage. */
  metadata: Maybe<Scalars['JSON']['output']>;
  /** Phone number in E.164 form; null when the user has none. */
  phone: Maybe<Scalars['String']['output']>;
  /** True once the user has proven they own the phone number. */
  phoneVerified: Maybe<Scalars['Boolean']['output']>;
  /** Whether the user may sign in. */
  status: Maybe<UserStatus>;
};


/**
 * A person who signs in with Passage. Identity fields come from Passage; `displayName` and
 * `appRole` are kept by this server. Passage-backed fields are null, with an
 * `UPSTREAM_UNAVAILABLE` error at their path, when Passage cannot be reached.
 *
 * Who sees what: the user themself and app admins see every field; someone who shares an
 * organization with the user sees the member-directory fields (`id`, `displayName`, `email`, and
 * the membership through that organization's member list); the other fields are null with
 * `FORBIDDEN` for them. Anyone else sees no user at all (null with `FORBIDDEN`, left out of lists).
 */
export type UserMembershipsArgs = {
  after?: InputMaybe<Scalars['ID']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

/** A page of users from the user directory (passgraph's copy of Passage's users). */
export type UserConnection = {
  __typename?: 'UserConnection';
  /** The users in this page, each with its cursor. */
  edges: Array<UserEdge>;
  /** Where this page sits in the whole list. */
  pageInfo: PageInfo;
  /** How many users match, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** One user in a page of users. */
export type UserEdge = {
  __typename?: 'UserEdge';
  /** Marks this user's place in the order: pass it as `after` to continue right after this user. */
  cursor: Scalars['String']['output'];
  /** The user. */
  node: User;
};

/** How to sort `users`. Ties are broken by user id, in the same direction. */
export type UserOrder = {
  /** Which way to sort. */
  direction: OrderDirection;
  /** The field to sort by. */
  field: UserOrderField;
};

/** What `users` can be sorted by. */
export type UserOrderField =
  /** When the user was created in Passage. */
  | 'CREATED_AT'
  /** Email address; users without one sort as the empty string. */
  | 'EMAIL'
  /** The user's most recent sign-in; users who never signed in count as the earliest. */
  | 'LAST_LOGIN_AT';

/** Whether a Passage user may sign in. */
export type UserStatus =
  /** The user may sign in. */
  | 'ACTIVE'
  /** Deactivated by an admin: the user may not sign in, and existing sessions are refused. */
  | 'INACTIVE'
  /** Created (for example by a magic link) but never completed a sign-in. */
  | 'PENDING';

export type WithIndex<TObject> = TObject & Record<string, any>;
export type ResolversObject<TObject> = WithIndex<TObject>;

export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;





/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  App: ResolverTypeWrapper<AppParentModel>;
  AppRole: AppRole;
  AuditEvent: ResolverTypeWrapper<AuditEventParentModel>;
  AuditEventConnection: ResolverTypeWrapper<AuditEventConnectionParentModel>;
  AuditEventEdge: ResolverTypeWrapper<AuditEventParentModel>;
  AuditLogFilter: AuditLogFilter;
  AuditOutcome: AuditOutcome;
  AuditTarget: ResolverTypeWrapper<AuditTarget>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  CreateMagicLinkInput: CreateMagicLinkInput;
  CreateOrgInput: CreateOrgInput;
  CreateUserInput: CreateUserInput;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  DeleteOrgPayload: ResolverTypeWrapper<DeleteOrgPayload>;
  DeleteUserPayload: ResolverTypeWrapper<DeleteUserPayload>;
  DenyMode: DenyMode;
  Device: ResolverTypeWrapper<DeviceParentModel>;
  DeviceType: DeviceType;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  IdSource: IdSource;
  ImpersonateUserInput: ImpersonateUserInput;
  Impersonation: ResolverTypeWrapper<ImpersonationParentModel>;
  ImpersonationRevocation: ResolverTypeWrapper<ImpersonationRevocationParentModel>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  InviteOrgMemberInput: InviteOrgMemberInput;
  JSON: ResolverTypeWrapper<Scalars['JSON']['output']>;
  MagicLink: ResolverTypeWrapper<MagicLinkParentModel>;
  MagicLinkChannel: MagicLinkChannel;
  MagicLinkType: MagicLinkType;
  MembershipCapabilities: ResolverTypeWrapper<MembershipCapabilities>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  OrderDirection: OrderDirection;
  Org: ResolverTypeWrapper<OrgParentModel>;
  OrgCapabilities: ResolverTypeWrapper<OrgCapabilities>;
  OrgConnection: ResolverTypeWrapper<OrgConnectionParentModel>;
  OrgEdge: ResolverTypeWrapper<OrgEdgeParentModel>;
  OrgInvitation: ResolverTypeWrapper<OrgInvitationParentModel>;
  OrgInvitationAnswerInput: OrgInvitationAnswerInput;
  OrgInvitationConnection: ResolverTypeWrapper<OrgInvitationConnectionParentModel>;
  OrgInvitationDelivery: OrgInvitationDelivery;
  OrgInvitationEdge: ResolverTypeWrapper<OrgInvitationParentModel>;
  OrgInvitationIdInput: OrgInvitationIdInput;
  OrgInvitationStatus: OrgInvitationStatus;
  OrgMemberConnection: ResolverTypeWrapper<OrgMemberConnectionParentModel>;
  OrgMemberEdge: ResolverTypeWrapper<OrgMemberEdgeParentModel>;
  OrgMembership: ResolverTypeWrapper<OrgMembershipParentModel>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  RemoveOrgMemberPayload: ResolverTypeWrapper<RemoveOrgMemberPayloadParentModel>;
  RevokeImpersonationInput: RevokeImpersonationInput;
  RoleDefinition: ResolverTypeWrapper<RoleDefinition>;
  SetActiveOrgInput: SetActiveOrgInput;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  TransferOrgOwnershipInput: TransferOrgOwnershipInput;
  UpdateMeInput: UpdateMeInput;
  UpdateOrgInput: UpdateOrgInput;
  UpdateUserInput: UpdateUserInput;
  User: ResolverTypeWrapper<UserParentModel>;
  UserConnection: ResolverTypeWrapper<UserConnectionParentModel>;
  UserEdge: ResolverTypeWrapper<UserEdgeParentModel>;
  UserOrder: UserOrder;
  UserOrderField: UserOrderField;
  UserStatus: UserStatus;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  App: AppParentModel;
  AuditEvent: AuditEventParentModel;
  AuditEventConnection: AuditEventConnectionParentModel;
  AuditEventEdge: AuditEventParentModel;
  AuditLogFilter: AuditLogFilter;
  AuditTarget: AuditTarget;
  Boolean: Scalars['Boolean']['output'];
  CreateMagicLinkInput: CreateMagicLinkInput;
  CreateOrgInput: CreateOrgInput;
  CreateUserInput: CreateUserInput;
  DateTime: Scalars['DateTime']['output'];
  DeleteOrgPayload: DeleteOrgPayload;
  DeleteUserPayload: DeleteUserPayload;
  Device: DeviceParentModel;
  ID: Scalars['ID']['output'];
  ImpersonateUserInput: ImpersonateUserInput;
  Impersonation: ImpersonationParentModel;
  ImpersonationRevocation: ImpersonationRevocationParentModel;
  Int: Scalars['Int']['output'];
  InviteOrgMemberInput: InviteOrgMemberInput;
  JSON: Scalars['JSON']['output'];
  MagicLink: MagicLinkParentModel;
  MembershipCapabilities: MembershipCapabilities;
  Mutation: Record<PropertyKey, never>;
  Org: OrgParentModel;
  OrgCapabilities: OrgCapabilities;
  OrgConnection: OrgConnectionParentModel;
  OrgEdge: OrgEdgeParentModel;
  OrgInvitation: OrgInvitationParentModel;
  OrgInvitationAnswerInput: OrgInvitationAnswerInput;
  OrgInvitationConnection: OrgInvitationConnectionParentModel;
  OrgInvitationEdge: OrgInvitationParentModel;
  OrgInvitationIdInput: OrgInvitationIdInput;
  OrgMemberConnection: OrgMemberConnectionParentModel;
  OrgMemberEdge: OrgMemberEdgeParentModel;
  OrgMembership: OrgMembershipParentModel;
  PageInfo: PageInfo;
  Query: Record<PropertyKey, never>;
  RemoveOrgMemberPayload: RemoveOrgMemberPayloadParentModel;
  RevokeImpersonationInput: RevokeImpersonationInput;
  RoleDefinition: RoleDefinition;
  SetActiveOrgInput: SetActiveOrgInput;
  String: Scalars['String']['output'];
  TransferOrgOwnershipInput: TransferOrgOwnershipInput;
  UpdateMeInput: UpdateMeInput;
  UpdateOrgInput: UpdateOrgInput;
  UpdateUserInput: UpdateUserInput;
  User: UserParentModel;
  UserConnection: UserConnectionParentModel;
  UserEdge: UserEdgeParentModel;
  UserOrder: UserOrder;
}>;

export type AuthenticatedDirectiveArgs = { };

export type AuthenticatedDirectiveResolver<Result, Parent, ContextType = GraphQLContext, Args = AuthenticatedDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type NoImpersonationDirectiveArgs = { };

export type NoImpersonationDirectiveResolver<Result, Parent, ContextType = GraphQLContext, Args = NoImpersonationDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type PassageIdDirectiveArgs = { };

export type PassageIdDirectiveResolver<Result, Parent, ContextType = GraphQLContext, Args = PassageIdDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type PublicDirectiveArgs = { };

export type PublicDirectiveResolver<Result, Parent, ContextType = GraphQLContext, Args = PublicDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type RateLimitDirectiveArgs = {
  bucket: Scalars['String']['input'];
};

export type RateLimitDirectiveResolver<Result, Parent, ContextType = GraphQLContext, Args = RateLimitDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type RequireAppRoleDirectiveArgs = {
  atLeast: AppRole;
};

export type RequireAppRoleDirectiveResolver<Result, Parent, ContextType = GraphQLContext, Args = RequireAppRoleDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type RequireOrgRoleDirectiveArgs = {
  atLeast: Scalars['String']['input'];
  deny?: Maybe<DenyMode>;
  org?: Maybe<IdSource>;
  path?: Maybe<Scalars['String']['input']>;
};

export type RequireOrgRoleDirectiveResolver<Result, Parent, ContextType = GraphQLContext, Args = RequireOrgRoleDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type RequirePermissionDirectiveArgs = {
  all?: Maybe<Array<Scalars['String']['input']>>;
  any?: Maybe<Array<Scalars['String']['input']>>;
  deny?: Maybe<DenyMode>;
  org?: Maybe<IdSource>;
  path?: Maybe<Scalars['String']['input']>;
};

export type RequirePermissionDirectiveResolver<Result, Parent, ContextType = GraphQLContext, Args = RequirePermissionDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type SelfOrDirectiveArgs = {
  appRole?: Maybe<AppRole>;
  deny?: Maybe<DenyMode>;
  org?: Maybe<IdSource>;
  orgPath?: Maybe<Scalars['String']['input']>;
  orgRole?: Maybe<Scalars['String']['input']>;
  path?: Maybe<Scalars['String']['input']>;
  permission?: Maybe<Scalars['String']['input']>;
  sharesOrg?: Maybe<Scalars['Boolean']['input']>;
  user?: Maybe<IdSource>;
};

export type SelfOrDirectiveResolver<Result, Parent, ContextType = GraphQLContext, Args = SelfOrDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type AppResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['App'] = ResolversParentTypes['App']> = ResolversObject<{
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type AuditEventResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['AuditEvent'] = ResolversParentTypes['AuditEvent']> = ResolversObject<{
  action?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  actor?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  changes?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  errorCode?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  onBehalfOf?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  org?: Resolver<Maybe<ResolversTypes['Org']>, ParentType, ContextType>;
  outcome?: Resolver<ResolversTypes['AuditOutcome'], ParentType, ContextType>;
  target?: Resolver<ResolversTypes['AuditTarget'], ParentType, ContextType>;
}>;

export type AuditEventConnectionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['AuditEventConnection'] = ResolversParentTypes['AuditEventConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['AuditEventEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
}>;

export type AuditEventEdgeResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['AuditEventEdge'] = ResolversParentTypes['AuditEventEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['AuditEvent'], ParentType, ContextType>;
}>;

export type AuditTargetResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['AuditTarget'] = ResolversParentTypes['AuditTarget']> = ResolversObject<{
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  type?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type DeleteOrgPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['DeleteOrgPayload'] = ResolversParentTypes['DeleteOrgPayload']> = ResolversObject<{
  deletedOrgId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
}>;

export type DeleteUserPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['DeleteUserPayload'] = ResolversParentTypes['DeleteUserPayload']> = ResolversObject<{
  deletedUserId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
}>;

export type DeviceResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Device'] = ResolversParentTypes['Device']> = ResolversObject<{
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  friendlyName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastLoginAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  type?: Resolver<ResolversTypes['DeviceType'], ParentType, ContextType>;
  usageCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type ImpersonationResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Impersonation'] = ResolversParentTypes['Impersonation']> = ResolversObject<{
  expiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  token?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  user?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
}>;

export type ImpersonationRevocationResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['ImpersonationRevocation'] = ResolversParentTypes['ImpersonationRevocation']> = ResolversObject<{
  expiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  impersonator?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  revokedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  user?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
}>;

export interface JsonScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['JSON'], any> {
  name: 'JSON';
}

export type MagicLinkResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['MagicLink'] = ResolversParentTypes['MagicLink']> = ResolversObject<{
  activated?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  identifier?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  redirectUrl?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  ttl?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  type?: Resolver<ResolversTypes['MagicLinkType'], ParentType, ContextType>;
  url?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  userId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
}>;

export type MembershipCapabilitiesResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['MembershipCapabilities'] = ResolversParentTypes['MembershipCapabilities']> = ResolversObject<{
  assignableRoles?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  changeRole?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  remove?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  transferOwnership?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
}>;

export type MutationResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = ResolversObject<{
  acceptOrgInvitation?: Resolver<ResolversTypes['OrgMembership'], ParentType, ContextType, RequireFields<MutationAcceptOrgInvitationArgs, 'input'>>;
  activateUser?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationActivateUserArgs, 'id'>>;
  addOrgMember?: Resolver<ResolversTypes['OrgMembership'], ParentType, ContextType, RequireFields<MutationAddOrgMemberArgs, 'orgId' | 'role' | 'userId'>>;
  changeOrgMemberRole?: Resolver<ResolversTypes['OrgMembership'], ParentType, ContextType, RequireFields<MutationChangeOrgMemberRoleArgs, 'orgId' | 'role' | 'userId'>>;
  createMagicLink?: Resolver<ResolversTypes['MagicLink'], ParentType, ContextType, RequireFields<MutationCreateMagicLinkArgs, 'input'>>;
  createOrg?: Resolver<ResolversTypes['Org'], ParentType, ContextType, RequireFields<MutationCreateOrgArgs, 'input'>>;
  createUser?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationCreateUserArgs, 'input'>>;
  deactivateUser?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationDeactivateUserArgs, 'id'>>;
  declineOrgInvitation?: Resolver<ResolversTypes['OrgInvitation'], ParentType, ContextType, RequireFields<MutationDeclineOrgInvitationArgs, 'input'>>;
  deleteOrg?: Resolver<ResolversTypes['DeleteOrgPayload'], ParentType, ContextType, RequireFields<MutationDeleteOrgArgs, 'id'>>;
  deleteUser?: Resolver<ResolversTypes['DeleteUserPayload'], ParentType, ContextType, RequireFields<MutationDeleteUserArgs, 'id'>>;
  impersonateUser?: Resolver<ResolversTypes['Impersonation'], ParentType, ContextType, RequireFields<MutationImpersonateUserArgs, 'input'>>;
  inviteOrgMember?: Resolver<ResolversTypes['OrgInvitation'], ParentType, ContextType, RequireFields<MutationInviteOrgMemberArgs, 'input'>>;
  removeOrgMember?: Resolver<ResolversTypes['RemoveOrgMemberPayload'], ParentType, ContextType, RequireFields<MutationRemoveOrgMemberArgs, 'orgId' | 'userId'>>;
  resendOrgInvitation?: Resolver<ResolversTypes['OrgInvitation'], ParentType, ContextType, RequireFields<MutationResendOrgInvitationArgs, 'input'>>;
  revokeDevice?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType, RequireFields<MutationRevokeDeviceArgs, 'deviceId' | 'userId'>>;
  revokeImpersonation?: Resolver<ResolversTypes['ImpersonationRevocation'], ParentType, ContextType, RequireFields<MutationRevokeImpersonationArgs, 'input'>>;
  revokeOrgInvitation?: Resolver<ResolversTypes['OrgInvitation'], ParentType, ContextType, RequireFields<MutationRevokeOrgInvitationArgs, 'input'>>;
  revokeSessions?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType, RequireFields<MutationRevokeSessionsArgs, 'userId'>>;
  setActiveOrg?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationSetActiveOrgArgs, 'input'>>;
  setAppRole?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationSetAppRoleArgs, 'role' | 'userId'>>;
  transferOrgOwnership?: Resolver<ResolversTypes['OrgMembership'], ParentType, ContextType, RequireFields<MutationTransferOrgOwnershipArgs, 'input'>>;
  updateMe?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationUpdateMeArgs, 'input'>>;
  updateOrg?: Resolver<ResolversTypes['Org'], ParentType, ContextType, RequireFields<MutationUpdateOrgArgs, 'id' | 'input'>>;
  updateUser?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationUpdateUserArgs, 'id' | 'input'>>;
}>;

export type OrgResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Org'] = ResolversParentTypes['Org']> = ResolversObject<{
  auditLog?: Resolver<ResolversTypes['AuditEventConnection'], ParentType, ContextType, RequireFields<OrgAuditLogArgs, 'first'>>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  invitations?: Resolver<ResolversTypes['OrgInvitationConnection'], ParentType, ContextType, RequireFields<OrgInvitationsArgs, 'first'>>;
  members?: Resolver<ResolversTypes['OrgMemberConnection'], ParentType, ContextType, RequireFields<OrgMembersArgs, 'first'>>;
  metadata?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  slug?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  viewerCan?: Resolver<ResolversTypes['OrgCapabilities'], ParentType, ContextType>;
  viewerMembership?: Resolver<Maybe<ResolversTypes['OrgMembership']>, ParentType, ContextType>;
}>;

export type OrgCapabilitiesResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['OrgCapabilities'] = ResolversParentTypes['OrgCapabilities']> = ResolversObject<{
  assignableRoles?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  delete?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  invite?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  update?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
}>;

export type OrgConnectionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['OrgConnection'] = ResolversParentTypes['OrgConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['OrgEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type OrgEdgeResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['OrgEdge'] = ResolversParentTypes['OrgEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Org'], ParentType, ContextType>;
}>;

export type OrgInvitationResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['OrgInvitation'] = ResolversParentTypes['OrgInvitation']> = ResolversObject<{
  acceptedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  additionalRoles?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  delivery?: Resolver<ResolversTypes['OrgInvitationDelivery'], ParentType, ContextType>;
  email?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  expiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  invitedBy?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  lastSentAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  org?: Resolver<Maybe<ResolversTypes['Org']>, ParentType, ContextType>;
  orgName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  role?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['OrgInvitationStatus'], ParentType, ContextType>;
}>;

export type OrgInvitationConnectionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['OrgInvitationConnection'] = ResolversParentTypes['OrgInvitationConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['OrgInvitationEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type OrgInvitationEdgeResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['OrgInvitationEdge'] = ResolversParentTypes['OrgInvitationEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['OrgInvitation'], ParentType, ContextType>;
}>;

export type OrgMemberConnectionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['OrgMemberConnection'] = ResolversParentTypes['OrgMemberConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['OrgMemberEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type OrgMemberEdgeResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['OrgMemberEdge'] = ResolversParentTypes['OrgMemberEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['OrgMembership'], ParentType, ContextType>;
}>;

export type OrgMembershipResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['OrgMembership'] = ResolversParentTypes['OrgMembership']> = ResolversObject<{
  additionalRoles?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  hasAllPermissions?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType, RequireFields<OrgMembershipHasAllPermissionsArgs, 'permissions'>>;
  hasPermission?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType, RequireFields<OrgMembershipHasPermissionArgs, 'permission'>>;
  inheritedRoles?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  isAtLeast?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType, RequireFields<OrgMembershipIsAtLeastArgs, 'role'>>;
  isRole?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType, RequireFields<OrgMembershipIsRoleArgs, 'role'>>;
  org?: Resolver<ResolversTypes['Org'], ParentType, ContextType>;
  permissions?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  role?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  user?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
  viewerCan?: Resolver<ResolversTypes['MembershipCapabilities'], ParentType, ContextType>;
}>;

export type PageInfoResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = ResolversObject<{
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  hasPreviousPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  startCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type QueryResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  app?: Resolver<ResolversTypes['App'], ParentType, ContextType>;
  auditLog?: Resolver<ResolversTypes['AuditEventConnection'], ParentType, ContextType, RequireFields<QueryAuditLogArgs, 'first'>>;
  me?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  org?: Resolver<Maybe<ResolversTypes['Org']>, ParentType, ContextType, RequireFields<QueryOrgArgs, 'id'>>;
  orgBySlug?: Resolver<Maybe<ResolversTypes['Org']>, ParentType, ContextType, RequireFields<QueryOrgBySlugArgs, 'slug'>>;
  orgs?: Resolver<ResolversTypes['OrgConnection'], ParentType, ContextType, RequireFields<QueryOrgsArgs, 'first'>>;
  roles?: Resolver<Array<ResolversTypes['RoleDefinition']>, ParentType, ContextType>;
  user?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType, RequireFields<QueryUserArgs, 'id'>>;
  userByIdentifier?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType, RequireFields<QueryUserByIdentifierArgs, 'identifier'>>;
  users?: Resolver<ResolversTypes['UserConnection'], ParentType, ContextType, RequireFields<QueryUsersArgs, 'first'>>;
}>;

export type RemoveOrgMemberPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['RemoveOrgMemberPayload'] = ResolversParentTypes['RemoveOrgMemberPayload']> = ResolversObject<{
  org?: Resolver<Maybe<ResolversTypes['Org']>, ParentType, ContextType>;
  orgId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  removedUserId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
}>;

export type RoleDefinitionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['RoleDefinition'] = ResolversParentTypes['RoleDefinition']> = ResolversObject<{
  inheritedRoles?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  permissions?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  rank?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type UserResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['User'] = ResolversParentTypes['User']> = ResolversObject<{
  activeOrg?: Resolver<Maybe<ResolversTypes['OrgMembership']>, ParentType, ContextType>;
  appRole?: Resolver<Maybe<ResolversTypes['AppRole']>, ParentType, ContextType>;
  createdAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  devices?: Resolver<Maybe<Array<ResolversTypes['Device']>>, ParentType, ContextType>;
  displayName?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  email?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  emailVerified?: Resolver<Maybe<ResolversTypes['Boolean']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  impersonator?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  invitations?: Resolver<Array<ResolversTypes['OrgInvitation']>, ParentType, ContextType>;
  lastLoginAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  loginCount?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  memberships?: Resolver<Maybe<Array<ResolversTypes['OrgMembership']>>, ParentType, ContextType, RequireFields<UserMembershipsArgs, 'first'>>;
  metadata?: Resolver<Maybe<ResolversTypes['JSON']>, ParentType, ContextType>;
  phone?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  phoneVerified?: Resolver<Maybe<ResolversTypes['Boolean']>, ParentType, ContextType>;
  status?: Resolver<Maybe<ResolversTypes['UserStatus']>, ParentType, ContextType>;
}>;

export type UserConnectionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['UserConnection'] = ResolversParentTypes['UserConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['UserEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type UserEdgeResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['UserEdge'] = ResolversParentTypes['UserEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
}>;

export type Resolvers<ContextType = GraphQLContext> = ResolversObject<{
  App?: AppResolvers<ContextType>;
  AuditEvent?: AuditEventResolvers<ContextType>;
  AuditEventConnection?: AuditEventConnectionResolvers<ContextType>;
  AuditEventEdge?: AuditEventEdgeResolvers<ContextType>;
  AuditTarget?: AuditTargetResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  DeleteOrgPayload?: DeleteOrgPayloadResolvers<ContextType>;
  DeleteUserPayload?: DeleteUserPayloadResolvers<ContextType>;
  Device?: DeviceResolvers<ContextType>;
  Impersonation?: ImpersonationResolvers<ContextType>;
  ImpersonationRevocation?: ImpersonationRevocationResolvers<ContextType>;
  JSON?: GraphQLScalarType;
  MagicLink?: MagicLinkResolvers<ContextType>;
  MembershipCapabilities?: MembershipCapabilitiesResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  Org?: OrgResolvers<ContextType>;
  OrgCapabilities?: OrgCapabilitiesResolvers<ContextType>;
  OrgConnection?: OrgConnectionResolvers<ContextType>;
  OrgEdge?: OrgEdgeResolvers<ContextType>;
  OrgInvitation?: OrgInvitationResolvers<ContextType>;
  OrgInvitationConnection?: OrgInvitationConnectionResolvers<ContextType>;
  OrgInvitationEdge?: OrgInvitationEdgeResolvers<ContextType>;
  OrgMemberConnection?: OrgMemberConnectionResolvers<ContextType>;
  OrgMemberEdge?: OrgMemberEdgeResolvers<ContextType>;
  OrgMembership?: OrgMembershipResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  RemoveOrgMemberPayload?: RemoveOrgMemberPayloadResolvers<ContextType>;
  RoleDefinition?: RoleDefinitionResolvers<ContextType>;
  User?: UserResolvers<ContextType>;
  UserConnection?: UserConnectionResolvers<ContextType>;
  UserEdge?: UserEdgeResolvers<ContextType>;
}>;

export type DirectiveResolvers<ContextType = GraphQLContext> = ResolversObject<{
  authenticated?: AuthenticatedDirectiveResolver<any, any, ContextType>;
  noImpersonation?: NoImpersonationDirectiveResolver<any, any, ContextType>;
  passageId?: PassageIdDirectiveResolver<any, any, ContextType>;
  public?: PublicDirectiveResolver<any, any, ContextType>;
  rateLimit?: RateLimitDirectiveResolver<any, any, ContextType>;
  requireAppRole?: RequireAppRoleDirectiveResolver<any, any, ContextType>;
  requireOrgRole?: RequireOrgRoleDirectiveResolver<any, any, ContextType>;
  requirePermission?: RequirePermissionDirectiveResolver<any, any, ContextType>;
  selfOr?: SelfOrDirectiveResolver<any, any, ContextType>;
}>;
