import { describe, expect, it } from 'vitest';
import * as policy from '../src/auth/policy.js';
import { Roles } from '../src/auth/roles.js';
import { AppError } from '../src/errors.js';

/** The authorization policy's pure functions, one rule at a time, with the default roles. */

const roles = new Roles();
const user = (id = 'u-1') => ({ id, appRole: 'USER' as const });
const admin = (id = 'admin-1') => ({ id, appRole: 'ADMIN' as const });
const grant = (role: string, additionalRoles: string[] = []) => roles.summarize(role, additionalRoles);
const as = (role: string, additionalRoles: string[] = []) => ({ role, additionalRoles });
const rank = (role: string) => roles.rankOf(role);
const reason = (d: policy.Decision) => d?.reason ?? null;
const never = () => {
  throw new Error('ownerCount must not be asked');
};

describe('app roles', () => {
  it('ADMIN passes every app-role requirement; USER only USER', () => {
    expect(policy.requireAppRole(admin(), 'ADMIN')).toBeNull();
    expect(policy.requireAppRole(admin(), 'USER')).toBeNull();
    expect(policy.requireAppRole(user(), 'USER')).toBeNull();
    expect(policy.requireAppRole(user(), 'ADMIN')).toEqual({
      code: 'FORBIDDEN',
      reason: 'INSUFFICIENT_APP_ROLE',
      message: expect.any(String),
      details: { required: 'ADMIN' },
    });
  });

  it('only app admins pass every org rule', () => {
    expect(policy.passesEveryOrgRule(admin())).toBe(true);
    expect(policy.passesEveryOrgRule(user())).toBe(false);
  });
});

describe('rules inside one org', () => {
  it('atLeastRole: passes at the rank and above, INSUFFICIENT_ROLE below, naming the role', () => {
    const test = policy.atLeastRole(roles, 'Admin');
    expect(test(grant('Admin'))).toBeNull();
    expect(test(grant('Owner'))).toBeNull();
    expect(test(grant('Member', ['Admin']))).toBeNull();
    expect(test(grant('Member'))).toMatchObject({ code: 'FORBIDDEN', reason: 'INSUFFICIENT_ROLE', details: { required: 'Admin' } });
  });

  it('withPermissions: every one of all, and one of any', () => {
    const invite = 'org:members:invite';
    const del = 'org:delete';
    expect(policy.withPermissions([invite])(grant('Admin'))).toBeNull();
    expect(policy.withPermissions([invite, del])(grant('Admin'))).toMatchObject({ reason: 'MISSING_PERMISSION', details: { required: [del] } });
    expect(policy.withPermissions([], [del, invite])(grant('Admin'))).toBeNull();
    expect(policy.withPermissions([], [del])(grant('Admin'))).toMatchObject({ reason: 'MISSING_PERMISSION', details: { required: [del] } });
    expect(policy.withPermissions(['org:read'], [del])(grant('Owner'))).toBeNull();
    expect(policy.withPermissions(['org:read'], [del])(grant('Member'))).toMatchObject({ reason: 'MISSING_PERMISSION', details: { required: [del] } });
    expect(policy.withPermissions([])(grant('Member'))).toBeNull();
  });

  it('eitherOf: any passing test passes; otherwise the first test’s denial', () => {
    const role = policy.atLeastRole(roles, 'Owner');
    const permission = policy.withPermissions(['org:members:invite']);
    expect(policy.eitherOf([role, permission])(grant('Admin'))).toBeNull();
    expect(policy.eitherOf([permission, role])(grant('Admin'))).toBeNull();
    expect(reason(policy.eitherOf([role, permission])(grant('Member')))).toBe('INSUFFICIENT_ROLE');
    expect(reason(policy.eitherOf([permission, role])(grant('Member')))).toBe('MISSING_PERMISSION');
    expect(() => policy.eitherOf([])).toThrow();
  });

  it('inOrg: app admins pass without a membership; others need one that passes the test', () => {
    const test = policy.atLeastRole(roles, 'Admin');
    expect(policy.inOrg(admin(), 'o-1', null, test)).toBeNull();
    expect(policy.inOrg(user(), 'o-1', null, test)).toEqual({
      code: 'FORBIDDEN',
      reason: 'NOT_MEMBER',
      message: expect.any(String),
      details: { orgId: 'o-1' },
    });
    expect(policy.inOrg(user(), 'o-1', grant('Admin'), test)).toBeNull();
    expect(reason(policy.inOrg(user(), 'o-1', grant('Member'), test))).toBe('INSUFFICIENT_ROLE');
    expect(policy.orgUnresolved()).toMatchObject({ code: 'FORBIDDEN', reason: 'ORG_UNRESOLVED' });
  });
});

describe('changes to memberships', () => {
  it('actingRank: app admins outrank everyone; a non-member ranks 0', () => {
    expect(policy.actingRank(admin(), null)).toBe(Number.POSITIVE_INFINITY);
    expect(policy.actingRank(admin(), grant('Member'))).toBe(Number.POSITIVE_INFINITY);
    expect(policy.actingRank(user(), grant('Admin'))).toBe(rank('Admin'));
    expect(policy.actingRank(user(), null)).toBe(0);
  });

  it('isOwner: the owner role as primary or additional role', () => {
    expect(policy.isOwner(roles, as('Owner'))).toBe(true);
    expect(policy.isOwner(roles, as('Admin', ['Owner']))).toBe(true);
    expect(policy.isOwner(roles, as('Admin', ['Member']))).toBe(false);
  });

  it('mayGrant: up to one’s own rank (equal included), never above, additional roles counted', () => {
    expect(policy.mayGrant(roles, rank('Admin'), as('Admin'))).toBeNull();
    expect(policy.mayGrant(roles, rank('Admin'), as('Member'))).toBeNull();
    expect(policy.mayGrant(roles, rank('Admin'), as('Owner'))).toMatchObject({ code: 'FORBIDDEN', reason: 'INSUFFICIENT_ROLE' });
    expect(reason(policy.mayGrant(roles, rank('Admin'), as('Member', ['Owner'])))).toBe('INSUFFICIENT_ROLE');
    expect(policy.mayGrant(roles, Number.POSITIVE_INFINITY, as('Owner'))).toBeNull();
  });

  it('keepsAnOwner: an owner may lose the role only while another owner remains', () => {
    expect(policy.keepsAnOwner(roles, as('Owner'), as('Admin'), () => 1)).toMatchObject({ code: 'CONFLICT', reason: 'LAST_OWNER' });
    expect(policy.keepsAnOwner(roles, as('Owner'), null, () => 1)).toMatchObject({ code: 'CONFLICT', reason: 'LAST_OWNER' });
    expect(policy.keepsAnOwner(roles, as('Owner'), as('Admin'), () => 2)).toBeNull();
    expect(policy.keepsAnOwner(roles, as('Owner'), null, () => 2)).toBeNull();
    // Staying an owner (primary or additional) or never having been one needs no count.
    expect(policy.keepsAnOwner(roles, as('Owner'), as('Owner'), never)).toBeNull();
    expect(policy.keepsAnOwner(roles, as('Owner'), as('Admin', ['Owner']), never)).toBeNull();
    expect(policy.keepsAnOwner(roles, as('Admin'), null, never)).toBeNull();
    // An owner by additional role is an owner too.
    expect(reason(policy.keepsAnOwner(roles, as('Admin', ['Owner']), as('Admin'), () => 1))).toBe('LAST_OWNER');
  });

  it('mayChangeRole: not someone ranked above, not to a role above, never the last owner away', () => {
    expect(policy.mayChangeRole(roles, rank('Admin'), as('Admin'), as('Member'), never)).toBeNull();
    expect(policy.mayChangeRole(roles, rank('Admin'), as('Member'), as('Admin'), never)).toBeNull();
    expect(policy.mayChangeRole(roles, rank('Admin'), as('Owner'), as('Member'), () => 2)).toMatchObject({ reason: 'INSUFFICIENT_ROLE' });
    expect(policy.mayChangeRole(roles, rank('Admin'), as('Member'), as('Owner'), never)).toMatchObject({ reason: 'INSUFFICIENT_ROLE' });
    expect(policy.mayChangeRole(roles, rank('Owner'), as('Owner'), as('Member'), () => 1)).toMatchObject({ code: 'CONFLICT', reason: 'LAST_OWNER' });
    expect(policy.mayChangeRole(roles, rank('Owner'), as('Owner'), as('Member'), () => 2)).toBeNull();
  });

  it('mayRemove: anyone may leave; removing someone ranked above is refused; never the last owner', () => {
    const member = (userId: string, role: string, additionalRoles: string[] = []) => ({ userId, role, additionalRoles });
    expect(policy.mayRemove(roles, user('a'), rank('Admin'), member('b', 'Admin'), never)).toBeNull();
    expect(policy.mayRemove(roles, user('a'), rank('Admin'), member('b', 'Owner'), () => 2)).toMatchObject({ reason: 'INSUFFICIENT_ROLE' });
    // Leaving is not "removing someone ranked above you", even at rank 0.
    expect(policy.mayRemove(roles, user('a'), 0, member('a', 'Admin'), never)).toBeNull();
    expect(policy.mayRemove(roles, user('a'), rank('Owner'), member('a', 'Owner'), () => 2)).toBeNull();
    expect(policy.mayRemove(roles, user('a'), rank('Owner'), member('a', 'Owner'), () => 1)).toMatchObject({ code: 'CONFLICT', reason: 'LAST_OWNER' });
    expect(policy.mayRemove(roles, admin(), Number.POSITIVE_INFINITY, member('b', 'Owner'), () => 1)).toMatchObject({ reason: 'LAST_OWNER' });
  });

  it('enforce: throws the denial as an AppError with its code and reason; allows silently', () => {
    expect(() => policy.enforce(null)).not.toThrow();
    const denial = policy.keepsAnOwner(roles, as('Owner'), null, () => 1);
    let thrown: unknown;
    try {
      policy.enforce(denial);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect(thrown).toMatchObject({ code: 'CONFLICT', reason: 'LAST_OWNER' });
    const forbidden = policy.inOrg(user(), 'o-9', null, policy.withPermissions(['org:read']));
    expect(() => policy.enforce(forbidden)).toThrow(expect.objectContaining({ code: 'FORBIDDEN', reason: 'NOT_MEMBER', details: { orgId: 'o-9' } }));
  });
});

describe('impersonation', () => {
  const acting = { id: 'u', appRole: 'USER' as const, impersonatorId: 'boss' };

  it('refuseImpersonation: IMPERSONATION (FORBIDDEN) only while an admin acts as the user', () => {
    expect(policy.refuseImpersonation(user('u'))).toBeNull();
    expect(policy.refuseImpersonation(admin())).toBeNull();
    expect(policy.refuseImpersonation(acting)).toMatchObject({ code: 'FORBIDDEN', reason: 'IMPERSONATION' });
  });

  it('the session may see the admin behind it as a directory entry, nobody else more than before', () => {
    expect(policy.userVisibility(acting, 'boss', false)).toBe('DIRECTORY');
    expect(policy.userVisibility(acting, 'u', false)).toBe('ALL');
    expect(policy.userVisibility(acting, 'stranger', false)).toBe('NONE');
  });
});

describe('users', () => {
  it('userVisibility: ALL for self and app admins, DIRECTORY for co-members, NONE otherwise', () => {
    expect(policy.userVisibility(user('a'), 'a', false)).toBe('ALL');
    expect(policy.userVisibility(admin(), 'b', false)).toBe('ALL');
    expect(policy.userVisibility(user('a'), 'b', true)).toBe('DIRECTORY');
    expect(policy.userVisibility(user('a'), 'b', false)).toBe('NONE');
    expect(policy.notSelf()).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_SELF' });
    expect(policy.noSharedOrg()).toMatchObject({ code: 'FORBIDDEN', reason: 'NO_SHARED_ORG' });
  });
});

describe('capabilities', () => {
  it('an impersonated owner cannot delete the org (deleteOrg is @noImpersonation), the rest follows the role', () => {
    const acting = { ...user(), impersonatorId: 'admin-1' };
    expect(policy.orgCapabilities(roles, acting, 'o', grant('Owner'))).toEqual({
      canUpdate: true,
      canDelete: false,
      canInvite: true,
      assignableRoles: ['Owner', 'Admin', 'Member'],
    });
  });

  it('orgCapabilities follow the permissions and the rank', () => {
    expect(policy.orgCapabilities(roles, user(), 'o', grant('Owner'))).toEqual({
      canUpdate: true,
      canDelete: true,
      canInvite: true,
      assignableRoles: ['Owner', 'Admin', 'Member'],
    });
    expect(policy.orgCapabilities(roles, user(), 'o', grant('Admin'))).toEqual({
      canUpdate: true,
      canDelete: false,
      canInvite: true,
      assignableRoles: ['Admin', 'Member'],
    });
    expect(policy.orgCapabilities(roles, user(), 'o', grant('Member'))).toEqual({ canUpdate: false, canDelete: false, canInvite: false, assignableRoles: [] });
    expect(policy.orgCapabilities(roles, user(), 'o', null)).toEqual({ canUpdate: false, canDelete: false, canInvite: false, assignableRoles: [] });
    expect(policy.orgCapabilities(roles, admin(), 'o', null)).toEqual({
      canUpdate: true,
      canDelete: true,
      canInvite: true,
      assignableRoles: ['Owner', 'Admin', 'Member'],
    });
  });

  it('orgCapabilities: change_role alone still makes roles assignable', () => {
    const custom = new Roles([
      { name: 'Viewer', rank: 10, permissions: ['org:read', 'org:members:read'] },
      { name: 'Manager', rank: 20, permissions: ['org:members:change_role'] },
      { name: 'Boss', rank: 30, permissions: ['org:update', 'org:delete', 'org:members:invite', 'org:members:remove'] },
    ]);
    expect(policy.orgCapabilities(custom, user(), 'o', custom.summarize('Manager'))).toMatchObject({
      canInvite: false,
      assignableRoles: ['Manager', 'Viewer'],
    });
  });

  it('membershipCapabilities match what the mutations allow', () => {
    const target = (userId: string, role: string) => ({ orgId: 'o', userId, role, additionalRoles: [] });
    // An Admin may change and remove another Admin, but not the Owner.
    expect(policy.membershipCapabilities(roles, user('a'), grant('Admin'), target('b', 'Admin'), () => 1)).toMatchObject({
      canRemove: true,
      canChangeRole: true,
    });
    expect(policy.membershipCapabilities(roles, user('a'), grant('Admin'), target('b', 'Owner'), () => 2)).toMatchObject({
      canRemove: false,
      canChangeRole: false,
    });
    // A Member may leave but not remove or change anyone.
    expect(policy.membershipCapabilities(roles, user('a'), grant('Member'), target('a', 'Member'), never)).toMatchObject({
      canRemove: true,
      canChangeRole: false,
    });
    expect(policy.membershipCapabilities(roles, user('a'), grant('Member'), target('b', 'Member'), never)).toMatchObject({
      canRemove: false,
      canChangeRole: false,
    });
    // The last owner may not leave; with a second owner they may.
    expect(policy.membershipCapabilities(roles, user('a'), grant('Owner'), target('a', 'Owner'), () => 1)).toMatchObject({
      canRemove: false,
      canChangeRole: true,
    });
    expect(policy.membershipCapabilities(roles, user('a'), grant('Owner'), target('a', 'Owner'), () => 2)).toMatchObject({
      canRemove: true,
      canChangeRole: true,
    });
    // An app admin outside the org may do both to anyone but the last owner's removal.
    expect(policy.membershipCapabilities(roles, admin(), null, target('b', 'Owner'), () => 1)).toMatchObject({ canRemove: false, canChangeRole: true });
    expect(policy.membershipCapabilities(roles, user('x'), null, target('b', 'Member'), never)).toMatchObject({ canRemove: false, canChangeRole: false });
  });

  it('membershipCapabilities offer an ownership transfer only from an owner to a non-owner other than themself, never while impersonating', () => {
    const target = (userId: string, role: string) => ({ orgId: 'o', userId, role, additionalRoles: [] });
    const transfer = (viewer: policy.PolicyViewer, g: ReturnType<typeof grant> | null, t: ReturnType<typeof target>) =>
      policy.membershipCapabilities(roles, viewer, g, t, () => 2).canTransferOwnership;
    expect(transfer(user('a'), grant('Owner'), target('b', 'Member'))).toBe(true);
    expect(transfer(user('a'), grant('Owner'), target('b', 'Admin'))).toBe(true);
    expect(transfer(user('a'), grant('Owner'), target('b', 'Owner'))).toBe(false);
    expect(transfer(user('a'), grant('Owner'), target('a', 'Owner'))).toBe(false);
    expect(transfer(user('a'), grant('Admin'), target('b', 'Member'))).toBe(false);
    expect(transfer(admin(), null, target('b', 'Member'))).toBe(false);
    expect(transfer({ ...user('a'), impersonatorId: 'adm' }, grant('Owner'), target('b', 'Member'))).toBe(false);
  });
});
