import './style.css';
import { describeErrors, execute, isSessionRefused, type Result } from './api';
import { h, on, type Child } from './dom';
import { addPasskey, authToken, deletePasskey, IdentityError, listPasskeys, signOut, type Passkey } from './identity';
import { consumeMagicLink, signInView } from './signin';
import type { AdminUsersQuery, OrgMembersQuery, ViewerQuery } from './gql/graphql';
import {
  activateUserMutation,
  changeRoleMutation,
  createMagicLinkMutation,
  createOrgMutation,
  deactivateUserMutation,
  deleteUserMutation,
  orgMembersQuery,
  removeMemberMutation,
  usersQuery,
  viewerQuery,
} from './operations';

type Me = NonNullable<ViewerQuery['me']>;
type Membership = NonNullable<Me['memberships']>[number];
type Member = NonNullable<OrgMembersQuery['org']>['members']['edges'][number]['node'];
type UserNode = AdminUsersQuery['users']['edges'][number]['node'];

/** The console's own URL path (`/console/`), where sign-in and sign-out return to. */
const HOME = import.meta.env.BASE_URL;
// The dev server's stand-in for the Passage element; a production app would embed the element.
const SIGN_IN_URL = `/dev/sign-in?redirect=${encodeURIComponent(HOME)}`;
const SIGN_OUT_URL = '/dev/sign-out';
// Page sizes stay well inside the server's query cost limit, which grows with `first`.
const PAGE_SIZE = 50;

type Notice = { ok: boolean; text: string; code?: string };

const ui: { notice: Notice | null; magicLink: { url: string; identifier: string } | null; confirmDelete: string | null } = {
  notice: null,
  magicLink: null,
  confirmDelete: null,
};

const root = document.getElementById('app')!;
const session = document.getElementById('session')!;
let generation = 0;

/**
 * Re-reads everything and redraws. The console is small, so one full refresh after each action
 * keeps what is shown identical to what the server now says.
 */
async function refresh(): Promise<void> {
  document.documentElement.dataset['busy'] = 'true';
  try {
    const viewer = await execute(viewerQuery);
    if (isSessionRefused(viewer)) return draw(refusedView(viewer), null);
    const me = viewer.data?.me ?? null;
    if (!me) {
      if (viewer.errors.length > 0) return draw(failedView(viewer), null);
      return draw(signedOutView(viewer.data?.app.name ?? null), null);
    }
    const memberLists = new Map<string, Result<OrgMembersQuery>>();
    await Promise.all(
      (me.memberships ?? [])
        .filter((m) => m.canReadMembers)
        .map(async (m) => memberLists.set(m.org.id, await execute(orgMembersQuery, { orgId: m.org.id, viewerRole: topRole(m), first: PAGE_SIZE }))),
    );
    const users = me.appRole === 'ADMIN' ? await execute(usersQuery, { first: PAGE_SIZE }) : null;
    const passkeys = await ownPasskeys();
    draw(consoleView(me, viewer.errors.length > 0 ? describeErrors(viewer.errors) : null, memberLists, users, passkeys), me);
  } finally {
    delete document.documentElement.dataset['busy'];
    document.documentElement.dataset['generation'] = String(++generation);
  }
}

function draw(view: Node, me: Me | null): void {
  root.replaceChildren(view);
  session.replaceChildren(...(me ? [h('span', { class: 'muted' }, 'Signed in as '), h('strong', {}, me.email ?? me.id), signOutForm()] : []));
}

/**
 * Runs a mutation or an identity service call, reports its outcome by error code, then refreshes.
 * A thrown error is the identity service's refusal or the browser's WebAuthn error.
 */
async function act(done: string, run: () => Promise<Result<unknown> | null>): Promise<void> {
  try {
    const result = await run();
    ui.notice = result && result.errors.length > 0 ? { ok: false, text: 'Refused', code: describeErrors(result.errors) } : { ok: true, text: done };
  } catch (err) {
    const named = err as { code?: unknown; name?: unknown };
    const code = typeof named.code === 'string' ? named.code : typeof named.name === 'string' ? named.name : 'error';
    ui.notice = { ok: false, text: 'Refused', code };
  }
  await refresh();
}

function noticeView(): Child {
  const notice = ui.notice;
  if (!notice) return null;
  return h(
    'p',
    { class: notice.ok ? 'notice ok' : 'notice error', role: 'status', 'data-testid': 'notice', 'data-ok': String(notice.ok), 'data-code': notice.code ?? '' },
    notice.code ? `${notice.text}: ${notice.code}` : notice.text,
  );
}

function signInLink(): HTMLElement {
  return h('a', { href: SIGN_IN_URL, class: 'button', 'data-testid': 'sign-in' }, 'Sign in');
}

function signedOutView(appName: string | null): Node {
  return signInView(appName, refresh);
}

/**
 * Sign-out ends both kinds of session: the identity service's refresh token is revoked (`DELETE
 * tokens`) and the tokens forgotten, then the dev sign-out expires the dev sign-in's cookie.
 */
function signOutForm(): HTMLFormElement {
  const form = h(
    'form',
    { method: 'post', action: SIGN_OUT_URL, class: 'inline' },
    h('input', { type: 'hidden', name: 'redirect', value: HOME }),
    h('button', { type: 'submit', class: 'secondary', 'data-testid': 'sign-out' }, 'Sign out'),
  );
  return on(form, 'submit', (event) => {
    if (!authToken()) return;
    event.preventDefault();
    void signOut().then(() => form.submit());
  });
}

/** The cookie is there but the server refuses it: expired, or the user was deactivated or deleted. */
function refusedView(result: Result<unknown>): Node {
  return h(
    'section',
    { class: 'card narrow', 'data-testid': 'signed-out' },
    h('h1', {}, 'Session refused'),
    h('p', { class: 'notice error', 'data-testid': 'auth-error', 'data-code': describeErrors(result.errors) }, describeErrors(result.errors)),
    h('p', {}, 'Sign in again, or sign out to continue anonymously.'),
    h('div', { class: 'row' }, signInLink(), signOutForm()),
  );
}

function failedView(result: Result<unknown>): Node {
  return h(
    'section',
    { class: 'card narrow' },
    h('h1', {}, 'Something went wrong'),
    h('p', { class: 'notice error', 'data-testid': 'load-error', 'data-code': describeErrors(result.errors) }, describeErrors(result.errors)),
  );
}

/**
 * Signed in through the identity service: its own list of the user's passkeys, which can be
 * added to and removed from. Signed in with the dev cookie: null (passgraph's `me.devices` shown).
 */
async function ownPasskeys(): Promise<Passkey[] | IdentityError | null> {
  if (!authToken()) return null;
  try {
    return await listPasskeys();
  } catch (err) {
    return err instanceof IdentityError ? err : new IdentityError(0, 'error');
  }
}

function consoleView(
  me: Me,
  partial: string | null,
  memberLists: Map<string, Result<OrgMembersQuery>>,
  users: Result<AdminUsersQuery> | null,
  passkeys: Passkey[] | IdentityError | null,
): Node {
  return h(
    'div',
    { class: 'layout' },
    noticeView(),
    partial ? h('p', { class: 'notice error', 'data-testid': 'partial-error' }, `Some fields could not be loaded: ${partial}`) : null,
    profileView(me, passkeys),
    orgsView(me, memberLists),
    users ? adminView(me, users) : null,
  );
}

function profileView(me: Me, passkeys: Passkey[] | IdentityError | null): Node {
  return h(
    'section',
    { class: 'card', 'data-testid': 'profile' },
    h('h2', {}, 'You'),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Email'),
      h('dd', { 'data-testid': 'me-email' }, me.email ?? '—'),
      h('dt', {}, 'Display name'),
      h('dd', { 'data-testid': 'me-display-name' }, me.displayName ?? '—'),
      h('dt', {}, 'App role'),
      h('dd', { 'data-testid': 'me-app-role' }, me.appRole ?? '—'),
    ),
    h('h3', {}, 'Passkeys'),
    passkeys === null
      ? devicesView(me)
      : passkeys instanceof IdentityError
        ? h('p', { class: 'notice error', 'data-code': passkeys.code }, `Passkeys could not be loaded: ${passkeys.code}`)
        : passkeysView(passkeys),
  );
}

/** passgraph's view of the user's devices (the dev cookie's session: nothing to manage them with). */
function devicesView(me: Me): Node {
  if (me.devices === null || me.devices === undefined) return h('p', { class: 'muted' }, 'Devices are unavailable right now.');
  if (me.devices.length === 0) return h('p', { class: 'muted' }, 'No passkeys registered.');
  return h(
    'ul',
    { class: 'devices' },
    ...me.devices.map((d) =>
      h(
        'li',
        { 'data-testid': 'device', 'data-device-id': d.id },
        h('strong', {}, d.friendlyName),
        h('span', { class: 'chip' }, d.type),
        h('span', { class: 'muted' }, `used ${d.usageCount}×, registered ${formatDate(d.createdAt)}`),
      ),
    ),
  );
}

/** The identity service's list, with "Add a passkey" and removal (Authentication API, as the user). */
function passkeysView(passkeys: Passkey[]): Node {
  const add = on(
    h('button', { class: 'secondary', 'data-testid': 'add-passkey' }, 'Add a passkey'),
    'click',
    () =>
      void act('Passkey added', async () => {
        await addPasskey();
        return null;
      }),
  );
  return h(
    'div',
    {},
    passkeys.length === 0
      ? h('p', { class: 'muted' }, 'No passkeys registered.')
      : h(
          'ul',
          { class: 'devices' },
          ...passkeys.map((d) =>
            h(
              'li',
              { 'data-testid': 'device', 'data-device-id': d.id },
              h('strong', {}, d.friendly_name),
              h('span', { class: 'chip' }, d.type),
              h('span', { class: 'muted' }, `used ${d.usage_count}×, registered ${formatDate(d.created_at)}`),
              on(
                h('button', { class: 'danger', 'data-testid': 'remove-device' }, 'Remove'),
                'click',
                () =>
                  void act(`Removed ${d.friendly_name}`, async () => {
                    await deletePasskey(d.id);
                    return null;
                  }),
              ),
            ),
          ),
        ),
    add,
  );
}

function orgsView(me: Me, memberLists: Map<string, Result<OrgMembersQuery>>): Node {
  const nameInput = h('input', { name: 'name', required: true, maxlength: 100, placeholder: 'New organization name', 'data-testid': 'new-org-name' });
  const form = on(
    h('form', { class: 'row' }, nameInput, h('button', { type: 'submit', 'data-testid': 'create-org' }, 'Create organization')),
    'submit',
    (event) => {
      event.preventDefault();
      const name = nameInput.value;
      void act(`Created ${name}`, () => execute(createOrgMutation, { name }));
    },
  );
  return h(
    'section',
    { class: 'card', 'data-testid': 'orgs' },
    h('h2', {}, 'Organizations'),
    (me.memberships ?? []).length === 0 ? h('p', { class: 'muted' }, 'You belong to no organization yet.') : null,
    ...(me.memberships ?? []).map((m) => orgView(me, m, memberLists.get(m.org.id) ?? null)),
    form,
  );
}

/** The viewer's highest role: what `isAtLeast` compares members with. */
function topRole(m: Membership): string {
  return m.inheritedRoles[0] ?? m.role;
}

function orgView(me: Me, m: Membership, members: Result<OrgMembersQuery> | null): Node {
  return h(
    'article',
    { class: 'org', 'data-testid': 'org', 'data-org-id': m.org.id, 'data-org-name': m.org.name },
    h('h3', {}, m.org.name, ' ', h('span', { class: 'chip role', 'data-testid': 'org-role' }, m.role)),
    h('p', { class: 'perms' }, ...m.permissions.map((p) => h('span', { class: 'chip', 'data-testid': 'permission' }, p))),
    !m.canReadMembers
      ? h('p', { class: 'muted', 'data-testid': 'members-hidden' }, 'Your role does not show the member list.')
      : !members || !members.data?.org
        ? h('p', { class: 'notice error' }, `Members could not be loaded: ${describeErrors(members?.errors ?? [])}`)
        : membersTable(
            me,
            m,
            members.data.org.members.edges.map((e) => e.node),
            members.data.org.members.totalCount,
          ),
  );
}

function membersTable(me: Me, viewer: Membership, members: Member[], total: number): Node {
  const viewerTop = topRole(viewer);
  // Same rank passes: the server only refuses acting on someone ranked *above* the viewer.
  const rankedAbove = (member: Member) => member.atLeastViewer && (member.inheritedRoles[0] ?? member.role) !== viewerTop;
  const table = h(
    'table',
    { class: 'members' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Member'), h('th', {}, 'Role'), h('th', {}, ''))),
    h(
      'tbody',
      {},
      ...members.map((member) => {
        const self = member.user.id === me.id;
        const mayChange = viewer.canChangeRoles && !rankedAbove(member);
        const mayRemove = self || (viewer.canRemoveMembers && !rankedAbove(member));
        return h(
          'tr',
          { 'data-testid': 'member', 'data-email': member.user.email ?? '', 'data-role': member.role },
          h(
            'td',
            {},
            h('div', {}, member.user.email ?? member.user.id),
            member.user.displayName ? h('div', { class: 'muted' }, member.user.displayName) : null,
          ),
          h('td', {}, mayChange ? roleSelect(viewer, member) : h('span', { 'data-testid': 'member-role' }, member.role)),
          h(
            'td',
            { class: 'actions' },
            mayRemove
              ? on(
                  h('button', { class: 'danger', 'data-testid': 'remove-member' }, self ? 'Leave' : 'Remove'),
                  'click',
                  () =>
                    void act(self ? `Left ${viewer.org.name}` : `Removed ${member.user.email ?? member.user.id}`, () =>
                      execute(removeMemberMutation, { orgId: viewer.org.id, userId: member.user.id }),
                    ),
                )
              : null,
          ),
        );
      }),
    ),
  );
  return h('div', {}, table, pageNote(members.length, total));
}

function pageNote(shown: number, total: number): Child {
  return shown < total ? h('p', { class: 'muted' }, `Showing the first ${shown} of ${total}.`) : null;
}

/** Only roles at or below the viewer's own: nobody may grant a role ranked above their own. */
function roleSelect(viewer: Membership, member: Member): HTMLSelectElement {
  const roles = viewer.inheritedRoles.includes(member.role) ? viewer.inheritedRoles : [member.role, ...viewer.inheritedRoles];
  const select = h(
    'select',
    { 'data-testid': 'role-select', 'aria-label': `Role of ${member.user.email ?? member.user.id}` },
    ...roles.map((role) => h('option', { value: role, selected: role === member.role }, role)),
  );
  return on(select, 'change', () => {
    const role = select.value;
    void act(`${member.user.email ?? member.user.id} is now ${role}`, () =>
      execute(changeRoleMutation, { orgId: viewer.org.id, userId: member.user.id, role }),
    );
  });
}

function adminView(me: Me, users: Result<AdminUsersQuery>): Node {
  const email = h('input', { type: 'email', name: 'email', required: true, placeholder: 'someone@example.com', 'data-testid': 'magic-link-email' });
  const magicForm = on(
    h('form', { class: 'row' }, email, h('button', { type: 'submit', 'data-testid': 'magic-link-create' }, 'Create magic link')),
    'submit',
    (event) => {
      event.preventDefault();
      const identifier = email.value;
      void (async () => {
        const result = await execute(createMagicLinkMutation, { email: identifier });
        const link = result.data?.createMagicLink;
        ui.magicLink = link ? { url: link.url, identifier: link.identifier } : null;
        ui.notice = link
          ? { ok: true, text: `Magic link created for ${link.identifier}` }
          : { ok: false, text: 'Refused', code: describeErrors(result.errors) };
        await refresh();
      })();
    },
  );
  return h(
    'section',
    { class: 'card', 'data-testid': 'admin-users' },
    h('h2', {}, 'Users ', users.data ? h('span', { class: 'muted', 'data-testid': 'user-count' }, `(${users.data.users.totalCount})`) : null),
    users.data
      ? h(
          'div',
          {},
          usersTable(
            me,
            users.data.users.edges.map((e) => e.node),
          ),
          pageNote(users.data.users.edges.length, users.data.users.totalCount),
        )
      : h('p', { class: 'notice error', 'data-testid': 'users-error' }, `Users could not be loaded: ${describeErrors(users.errors)}`),
    h('h3', {}, 'Magic link'),
    magicForm,
    ui.magicLink ? h('p', { class: 'magic-link' }, `For ${ui.magicLink.identifier}: `, h('code', { 'data-testid': 'magic-link-url' }, ui.magicLink.url)) : null,
  );
}

function usersTable(me: Me, users: UserNode[]): Node {
  return h(
    'table',
    { class: 'users' },
    h('thead', {}, h('tr', {}, h('th', {}, 'User'), h('th', {}, 'Status'), h('th', {}, 'App role'), h('th', {}, 'Created'), h('th', {}, ''))),
    h(
      'tbody',
      {},
      ...users.map((user) => {
        const label = user.email ?? user.id;
        const self = user.id === me.id;
        const confirming = ui.confirmDelete === user.id;
        const actions: Child[] = self
          ? [h('span', { class: 'muted' }, 'you')]
          : [
              user.status === 'INACTIVE'
                ? on(
                    h('button', { class: 'secondary', 'data-testid': 'activate' }, 'Activate'),
                    'click',
                    () => void act(`Activated ${label}`, () => execute(activateUserMutation, { id: user.id })),
                  )
                : on(
                    h('button', { class: 'secondary', 'data-testid': 'deactivate' }, 'Deactivate'),
                    'click',
                    () => void act(`Deactivated ${label}`, () => execute(deactivateUserMutation, { id: user.id })),
                  ),
              // Two clicks: deleting a user cannot be undone.
              on(
                h('button', { class: 'danger', 'data-testid': confirming ? 'confirm-delete' : 'delete' }, confirming ? 'Really delete?' : 'Delete'),
                'click',
                () => {
                  if (!confirming) {
                    ui.confirmDelete = user.id;
                    void refresh();
                    return;
                  }
                  ui.confirmDelete = null;
                  void act(`Deleted ${label}`, () => execute(deleteUserMutation, { id: user.id }));
                },
              ),
            ];
        return h(
          'tr',
          { 'data-testid': 'user-row', 'data-email': user.email ?? '', 'data-user-id': user.id, 'data-status': user.status ?? '' },
          h('td', {}, h('div', {}, label), user.displayName ? h('div', { class: 'muted' }, user.displayName) : null),
          h('td', {}, h('span', { class: `chip status-${(user.status ?? 'unknown').toLowerCase()}`, 'data-testid': 'user-status' }, user.status ?? '—')),
          h('td', {}, user.appRole ?? '—'),
          h('td', {}, user.createdAt ? formatDate(user.createdAt) : '—'),
          h('td', { class: 'actions' }, ...actions),
        );
      }),
    ),
  );
}

function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().slice(0, 10);
}

void consumeMagicLink().then(refresh);
