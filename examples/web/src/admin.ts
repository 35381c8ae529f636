import { describeErrors, execute, type Result } from './api';
import { act, button, formatDate, pageNote, refresh, ui } from './app';
import { h, on, type Child } from './dom';
import type { AdminOrgsQuery, AdminUsersQuery } from './gql/graphql';
import { activateUserMutation, adminOrgsQuery, createMagicLinkMutation, deactivateUserMutation, deleteUserMutation, usersQuery } from './operations';
import type { Me } from './orgs';

// App admins' sections: the user directory with its actions, magic links, and every org.

type UserNode = AdminUsersQuery['users']['edges'][number]['node'];

const PAGE_SIZE = 50;

export const adminUi: { magicLink: { url: string; identifier: string } | null; confirmDelete: string | null; orgQuery: string } = {
  magicLink: null,
  confirmDelete: null,
  orgQuery: '',
};

export type AdminData = { users: Result<AdminUsersQuery>; orgs: Result<AdminOrgsQuery> };

export async function loadAdmin(): Promise<AdminData> {
  const [users, orgs] = await Promise.all([
    execute(usersQuery, { first: PAGE_SIZE }),
    execute(adminOrgsQuery, { first: PAGE_SIZE, query: adminUi.orgQuery || null }),
  ]);
  return { users, orgs };
}

/** Extra buttons on a user's row (impersonation adds its own). */
export type UserActions = (user: UserNode) => Child[];

export function adminView(me: Me, data: AdminData, userActions: UserActions): Node[] {
  return [usersView(me, data.users, userActions), orgsView(data.orgs)];
}

function usersView(me: Me, users: Result<AdminUsersQuery>, userActions: UserActions): Node {
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
        adminUi.magicLink = link ? { url: link.url, identifier: link.identifier } : null;
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
            userActions,
          ),
          pageNote(users.data.users.edges.length, users.data.users.totalCount),
        )
      : h('p', { class: 'notice error', 'data-testid': 'users-error' }, `Users could not be loaded: ${describeErrors(users.errors)}`),
    h('h3', {}, 'Magic link'),
    magicForm,
    adminUi.magicLink
      ? h('p', { class: 'magic-link' }, `For ${adminUi.magicLink.identifier}: `, h('code', { 'data-testid': 'magic-link-url' }, adminUi.magicLink.url))
      : null,
  );
}

function usersTable(me: Me, users: UserNode[], userActions: UserActions): Node {
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
        const confirming = adminUi.confirmDelete === user.id;
        const actions: Child[] = self
          ? [h('span', { class: 'muted' }, 'you')]
          : [
              user.status === 'INACTIVE'
                ? button(
                    'Activate',
                    { class: 'secondary', 'data-testid': 'activate' },
                    () => void act(`Activated ${label}`, () => execute(activateUserMutation, { id: user.id })),
                  )
                : button(
                    'Deactivate',
                    { class: 'secondary', 'data-testid': 'deactivate' },
                    () => void act(`Deactivated ${label}`, () => execute(deactivateUserMutation, { id: user.id })),
                  ),
              ...userActions(user),
              // Two clicks: deleting a user cannot be undone.
              button(confirming ? 'Really delete?' : 'Delete', { class: 'danger', 'data-testid': confirming ? 'confirm-delete' : 'delete' }, () => {
                if (!confirming) {
                  adminUi.confirmDelete = user.id;
                  void refresh();
                  return;
                }
                adminUi.confirmDelete = null;
                void act(`Deleted ${label}`, () => execute(deleteUserMutation, { id: user.id }));
              }),
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

/** Every org (`orgs`, app admins), searchable by name or slug. */
function orgsView(orgs: Result<AdminOrgsQuery>): Node {
  const search = h('input', { type: 'search', name: 'query', value: adminUi.orgQuery, placeholder: 'Name or slug', 'data-testid': 'org-search' });
  const form = on(
    h('form', { class: 'row' }, search, h('button', { type: 'submit', class: 'secondary', 'data-testid': 'org-search-go' }, 'Search')),
    'submit',
    (event) => {
      event.preventDefault();
      adminUi.orgQuery = search.value.trim();
      void refresh();
    },
  );
  const list = orgs.data?.orgs;
  return h(
    'section',
    { class: 'card', 'data-testid': 'admin-orgs' },
    h('h2', {}, 'All organizations ', list ? h('span', { class: 'muted', 'data-testid': 'org-count' }, `(${list.totalCount})`) : null),
    form,
    list
      ? h(
          'table',
          { class: 'orgs' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Slug'), h('th', {}, 'Id'), h('th', {}, 'Created'))),
          h(
            'tbody',
            {},
            ...list.edges.map(({ node }) =>
              h(
                'tr',
                { 'data-testid': 'admin-org', 'data-org-slug': node.slug },
                h('td', {}, node.name),
                h('td', {}, h('code', {}, node.slug)),
                h('td', {}, h('code', { class: 'muted' }, node.id)),
                h('td', {}, formatDate(node.createdAt)),
              ),
            ),
          ),
        )
      : h('p', { class: 'notice error', 'data-testid': 'orgs-error' }, `Organizations could not be loaded: ${describeErrors(orgs.errors)}`),
  );
}
