import { describeErrors, execute, type Result } from './api';
import { act, button, formatDate, formatTime, noticeView, pageNote } from './app';
import { h, on, type Child } from './dom';
import type { MyInvitationsQuery, OrgInvitationsQuery } from './gql/graphql';

type Invitation = NonNullable<OrgInvitationsQuery['org']>['invitations']['edges'][number]['node'];
import {
  acceptInvitationMutation,
  declineInvitationMutation,
  inviteMemberMutation,
  myInvitationsQuery,
  orgInvitationsQuery,
  resendInvitationMutation,
  revokeInvitationMutation,
} from './operations';

// Invitations by email: an org's invite form and open invitations (for members who may invite,
// `Org.viewerCan.invite`), and the viewer's own pending invitations (`me.invitations`).

const PAGE_SIZE = 50;

export type OrgInvitations = Result<OrgInvitationsQuery>;

export function loadOrgInvitations(orgId: string): Promise<OrgInvitations> {
  return execute(orgInvitationsQuery, { orgId, first: PAGE_SIZE });
}

export function loadMyInvitations(): Promise<Result<MyInvitationsQuery>> {
  return execute(myInvitationsQuery);
}

/** The invite form (roles: `viewerCan.assignableRoles`) and the org's open invitations. */
export function orgInvitationsView(orgId: string, orgName: string, assignableRoles: readonly string[], invitations: OrgInvitations | null): Child[] {
  const email = h('input', {
    type: 'email',
    name: 'email',
    required: true,
    placeholder: 'teammate@example.com',
    'aria-label': 'Email to invite',
    'data-testid': 'invite-email',
  });
  const role = h(
    'select',
    { name: 'role', 'aria-label': 'Role for the invitee', 'data-testid': 'invite-role' },
    // Lowest role first: the least privilege is the default choice.
    ...[...assignableRoles].reverse().map((r) => h('option', { value: r }, r)),
  );
  const form = on(
    h('form', { class: 'row', 'data-testid': 'invite-form' }, email, role, h('button', { type: 'submit', 'data-testid': 'invite-send' }, 'Invite')),
    'submit',
    (event) => {
      event.preventDefault();
      const to = email.value.trim();
      void act(`Invited ${to} to ${orgName}`, () => execute(inviteMemberMutation, { orgId, email: to, role: role.value }));
    },
  );
  const list = invitations?.data?.org?.invitations;
  // Pending ones can be revoked or resent; expired ones resent. Answered ones are history.
  const open = list?.edges.map((e) => e.node).filter((i) => i.status === 'PENDING' || i.status === 'EXPIRED') ?? [];
  return [
    h('h4', {}, 'Invite by email'),
    form,
    !list
      ? h('p', { class: 'notice error', 'data-testid': 'invitations-error' }, `Invitations could not be loaded: ${describeErrors(invitations?.errors ?? [])}`)
      : open.length === 0
        ? h('p', { class: 'muted', 'data-testid': 'no-invitations' }, 'No open invitations.')
        : h(
            'div',
            {},
            h(
              'table',
              { class: 'invitations', 'data-testid': 'org-invitations' },
              h('thead', {}, h('tr', {}, h('th', {}, 'Email'), h('th', {}, 'Role'), h('th', {}, 'Status'), h('th', {}, 'Expires'), h('th', {}, ''))),
              h('tbody', {}, ...open.map((i) => invitationRow(i))),
            ),
            pageNote(list.edges.length, list.totalCount),
          ),
  ];
}

function invitationRow(i: Invitation): Node {
  return h(
    'tr',
    { 'data-testid': 'invitation', 'data-email': i.email, 'data-status': i.status, 'data-delivery': i.delivery, 'data-invitation-id': i.id },
    h('td', {}, i.email),
    h('td', {}, i.role),
    h('td', {}, h('span', { class: 'chip' }, i.status.toLowerCase()), ' ', h('span', { class: 'muted' }, `email ${i.delivery.toLowerCase()}`)),
    h('td', {}, formatTime(i.expiresAt)),
    h(
      'td',
      { class: 'actions' },
      button(
        'Resend',
        { class: 'secondary', 'data-testid': 'invitation-resend' },
        () => void act(`Sent again to ${i.email}`, () => execute(resendInvitationMutation, { id: i.id })),
      ),
      i.status === 'PENDING'
        ? button(
            'Revoke',
            { class: 'danger', 'data-testid': 'invitation-revoke' },
            () => void act(`Revoked the invitation of ${i.email}`, () => execute(revokeInvitationMutation, { id: i.id })),
          )
        : null,
    ),
  );
}

/** The viewer's pending invitations, each with accept and decline (by id). */
export function myInvitationsView(result: Result<MyInvitationsQuery>): Child {
  const list = result.data?.me?.invitations;
  if (!list)
    return h('p', { class: 'notice error', 'data-testid': 'my-invitations-error' }, `Your invitations could not be loaded: ${describeErrors(result.errors)}`);
  if (list.length === 0) return null;
  return h(
    'section',
    { class: 'card', 'data-testid': 'my-invitations' },
    h('h2', {}, 'Invitations for you'),
    h(
      'ul',
      { class: 'invitations' },
      ...list.map((i) =>
        h(
          'li',
          { 'data-testid': 'my-invitation', 'data-org-name': i.orgName, 'data-invitation-id': i.id },
          h('strong', {}, i.orgName),
          ' as ',
          h('span', { class: 'chip role' }, i.role),
          h('span', { class: 'muted' }, ` from ${i.invitedBy?.email ?? 'a member'}, until ${formatDate(i.expiresAt)} `),
          button(
            'Accept',
            { 'data-testid': 'my-invitation-accept' },
            () => void act(`You joined ${i.orgName}`, () => execute(acceptInvitationMutation, { id: i.id })),
          ),
          button(
            'Decline',
            { class: 'secondary', 'data-testid': 'my-invitation-decline' },
            () => void act(`Declined ${i.orgName}`, () => execute(declineInvitationMutation, { id: i.id })),
          ),
        ),
      ),
    ),
  );
}

/** What the accept page shows after an answer: the new membership, or the coded refusal. */
export type AcceptOutcome = { ok: true; text: string } | { ok: false; code: string };

export async function answerInvitation(token: string, accept: boolean): Promise<AcceptOutcome> {
  if (accept) {
    const result = await execute(acceptInvitationMutation, { token });
    const joined = result.data?.acceptOrgInvitation;
    return joined ? { ok: true, text: `You joined ${joined.org.name} as ${joined.role}.` } : { ok: false, code: describeErrors(result.errors) };
  }
  const result = await execute(declineInvitationMutation, { token });
  const declined = result.data?.declineOrgInvitation;
  return declined ? { ok: true, text: `You declined the invitation to ${declined.orgName}.` } : { ok: false, code: describeErrors(result.errors) };
}

/**
 * The accept page for a signed-in user: who they are (the invitation must match their email),
 * accept and decline, then the outcome with a way into the console.
 */
export function acceptView(email: string | null, outcome: AcceptOutcome | null, answer: (accept: boolean) => void, signOutForm: Node, home: string): Node {
  return h(
    'section',
    { class: 'card narrow', 'data-testid': 'accept-page' },
    h('h1', {}, 'Invitation'),
    noticeView(),
    outcome === null
      ? h(
          'div',
          {},
          h('p', {}, 'You were invited to join an organization. Signed in as ', h('strong', { 'data-testid': 'accept-as' }, email ?? '—'), '.'),
          h(
            'div',
            { class: 'row' },
            button('Accept invitation', { 'data-testid': 'accept-invitation' }, () => answer(true)),
            button('Decline', { class: 'secondary', 'data-testid': 'decline-invitation' }, () => answer(false)),
          ),
        )
      : outcome.ok
        ? h('p', { class: 'notice ok', 'data-testid': 'accept-result', 'data-ok': 'true' }, outcome.text)
        : h(
            'div',
            {},
            h('p', { class: 'notice error', 'data-testid': 'accept-result', 'data-ok': 'false', 'data-code': outcome.code }, `Refused: ${outcome.code}`),
            outcome.code.includes('INVITATION_EMAIL_MISMATCH')
              ? h('p', {}, 'The invitation was sent to another address: sign out and sign in with that one.')
              : null,
          ),
    h('div', { class: 'row' }, h('a', { href: home, class: 'button secondary', 'data-testid': 'accept-home' }, 'Open the console'), signOutForm),
  );
}
