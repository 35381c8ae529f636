import { describeErrors, execute, type Result } from './api';
import { act, button, pageNote, refresh } from './app';
import { auditUi, loadOrgAudit, orgAuditView } from './audit';
import { h, on } from './dom';
import type { OrgDetailsQuery, ViewerQuery } from './gql/graphql';
import { loadOrgInvitations, orgInvitationsView, type OrgInvitations } from './invitations';
import {
  changeRoleMutation,
  createOrgMutation,
  deleteOrgMutation,
  orgBySlugQuery,
  orgDetailsQuery,
  removeMemberMutation,
  setActiveOrgMutation,
  transferOwnershipMutation,
  updateOrgSlugMutation,
} from './operations';

// The viewer's organizations. Every control is shown from the server's answer: `Org.viewerCan`
// and `OrgMembership.viewerCan` (the same policy the mutations enforce), role choices from their
// `assignableRoles`, ownership transfer from `viewerCan.transferOwnership`. The console keeps no copy
// of the rank rules; the server refuses anything else anyway.

export type Me = NonNullable<ViewerQuery['me']>;
export type Membership = NonNullable<Me['memberships']>[number];
type OrgDetails = NonNullable<OrgDetailsQuery['org']>;
type Member = NonNullable<OrgDetails['members']>['edges'][number]['node'];

// Page sizes stay well inside the server's query cost limit, which grows with `first`.
const PAGE_SIZE = 50;

export type OrgData = { details: Result<OrgDetailsQuery>; invitations: OrgInvitations | null; audit: Awaited<ReturnType<typeof loadOrgAudit>> | null };

export const orgUi: { memberQuery: Map<string, string>; confirmDeleteOrg: string | null; slugResult: { slug: string; text: string; found: boolean } | null } = {
  memberQuery: new Map(),
  confirmDeleteOrg: null,
  slugResult: null,
};

export async function loadOrgs(me: Me): Promise<Map<string, OrgData>> {
  const out = new Map<string, OrgData>();
  if ((me.memberships ?? []).length === 0) return out;
  await Promise.all(
    (me.memberships ?? []).map(async (m) => {
      const orgId = m.org.id;
      const query = orgUi.memberQuery.get(orgId) || null;
      const [details, audit] = await Promise.all([
        execute(orgDetailsQuery, { orgId, first: PAGE_SIZE, query, withMembers: m.canReadMembers }),
        mayReadAudit(m) ? loadOrgAuditIfOpen(orgId) : null,
      ]);
      // Only members who may invite see the invitations (`Org.invitations` needs that permission).
      const invitations = details.data?.org?.viewerCan.invite ? await loadOrgInvitations(orgId) : null;
      out.set(orgId, { details, invitations, audit });
    }),
  );
  return out;
}

function loadOrgAuditIfOpen(orgId: string) {
  return auditUi.orgOpen.has(orgId) ? loadOrgAudit(orgId) : Promise.resolve(null);
}

/** `Org.auditLog` needs `org:audit:read`, which the membership lists among its permissions. */
function mayReadAudit(m: Membership): boolean {
  return m.permissions.includes('org:audit:read');
}

export function orgsView(me: Me, data: Map<string, OrgData>): Node {
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
  const memberships = me.memberships ?? [];
  return h(
    'section',
    { class: 'card', 'data-testid': 'orgs' },
    h('h2', {}, 'Organizations'),
    memberships.length === 0 ? h('p', { class: 'muted' }, 'You belong to no organization yet.') : activeOrgSwitcher(me),
    ...memberships.map((m) => orgView(me, m, data.get(m.org.id) ?? null)),
    form,
    slugLookup(),
  );
}

/** The org the viewer works in (`setActiveOrg`); "None" clears it. */
function activeOrgSwitcher(me: Me): Node {
  const active = me.activeOrg?.org.id ?? '';
  const select = h(
    'select',
    { 'data-testid': 'active-org', 'aria-label': 'Active organization' },
    h('option', { value: '', selected: active === '' }, 'None'),
    ...(me.memberships ?? []).map((m) => h('option', { value: m.org.id, selected: m.org.id === active }, m.org.name)),
  );
  on(select, 'change', () => {
    const orgId = select.value || null;
    const name = (me.memberships ?? []).find((m) => m.org.id === orgId)?.org.name;
    void act(name ? `${name} is now your active organization` : 'No active organization', () => execute(setActiveOrgMutation, { orgId }));
  });
  return h('p', { class: 'row' }, h('label', {}, 'Active organization '), select);
}

/** Finds an org by its slug (`orgBySlug`: members and app admins only, NOT_FOUND otherwise). */
function slugLookup(): Node {
  const input = h('input', { name: 'slug', required: true, placeholder: 'org-slug', 'data-testid': 'slug-lookup' });
  const result = orgUi.slugResult;
  return h(
    'div',
    {},
    on(
      h('form', { class: 'row' }, input, h('button', { type: 'submit', class: 'secondary', 'data-testid': 'slug-lookup-go' }, 'Find by slug')),
      'submit',
      (event) => {
        event.preventDefault();
        const slug = input.value.trim();
        void (async () => {
          const found = await execute(orgBySlugQuery, { slug });
          const org = found.data?.orgBySlug;
          orgUi.slugResult = org
            ? { slug, found: true, text: `${org.name} (${org.slug}, id ${org.id})` }
            : { slug, found: false, text: describeErrors(found.errors) || 'NOT_FOUND' };
          await refresh();
        })();
      },
    ),
    result
      ? h(
          'p',
          { class: result.found ? 'notice ok' : 'notice error', 'data-testid': 'slug-result', 'data-found': String(result.found) },
          `${result.slug}: ${result.text}`,
        )
      : null,
  );
}

function orgView(me: Me, m: Membership, data: OrgData | null): Node {
  const details = data?.details.data?.org ?? null;
  const active = me.activeOrg?.org.id === m.org.id;
  return h(
    'article',
    { class: 'org', 'data-testid': 'org', 'data-org-id': m.org.id, 'data-org-name': m.org.name, 'data-org-slug': m.org.slug, 'data-active': String(active) },
    h(
      'h3',
      {},
      m.org.name,
      ' ',
      h('span', { class: 'chip role', 'data-testid': 'org-role' }, m.role),
      ' ',
      h('code', { class: 'muted', 'data-testid': 'org-slug' }, m.org.slug),
      active ? h('span', { class: 'chip', 'data-testid': 'active-badge' }, 'active') : null,
    ),
    h('p', { class: 'perms' }, ...m.permissions.map((p) => h('span', { class: 'chip', 'data-testid': 'permission' }, p))),
    details
      ? orgBody(me, m, details, data!)
      : h('p', { class: 'notice error', 'data-testid': 'org-error' }, `The organization could not be loaded: ${describeErrors(data?.details.errors ?? [])}`),
  );
}

function orgBody(me: Me, m: Membership, org: OrgDetails, data: OrgData): Node {
  return h(
    'div',
    {},
    org.viewerCan.update || org.viewerCan.delete ? orgSettings(org) : null,
    !m.canReadMembers
      ? h('p', { class: 'muted', 'data-testid': 'members-hidden' }, 'Your role does not show the member list.')
      : org.members
        ? membersView(
            me,
            org,
            org.members.edges.map((e) => e.node),
            org.members.totalCount,
          )
        : h('p', { class: 'notice error' }, `Members could not be loaded: ${describeErrors(data.details.errors)}`),
    ...(org.viewerCan.invite ? orgInvitationsView(org.id, org.name, org.viewerCan.assignableRoles, data.invitations) : []),
    mayReadAudit(m) ? orgAuditView(org.id, data.audit) : null,
  );
}

/** Slug change (`viewerCan.update`) and deletion (`viewerCan.delete`, two clicks). */
function orgSettings(org: OrgDetails): Node {
  const slug = h('input', { name: 'slug', value: org.slug, required: true, 'aria-label': 'Slug', 'data-testid': 'org-slug-input' });
  const confirming = orgUi.confirmDeleteOrg === org.id;
  return h(
    'div',
    { class: 'row org-settings' },
    org.viewerCan.update
      ? on(
          h('form', { class: 'row' }, slug, h('button', { type: 'submit', class: 'secondary', 'data-testid': 'org-slug-save' }, 'Change slug')),
          'submit',
          (event) => {
            event.preventDefault();
            void act(`Slug is now ${slug.value}`, () => execute(updateOrgSlugMutation, { id: org.id, slug: slug.value }));
          },
        )
      : null,
    org.viewerCan.delete
      ? button(
          confirming ? 'Really delete?' : 'Delete organization',
          { class: 'danger', 'data-testid': confirming ? 'confirm-delete-org' : 'delete-org' },
          () => {
            if (!confirming) {
              orgUi.confirmDeleteOrg = org.id;
              void refresh();
              return;
            }
            orgUi.confirmDeleteOrg = null;
            void act(`Deleted ${org.name}`, () => execute(deleteOrgMutation, { id: org.id }));
          },
        )
      : null,
  );
}

function membersView(me: Me, org: OrgDetails, members: Member[], total: number): Node {
  const current = orgUi.memberQuery.get(org.id) ?? '';
  const search = h('input', { type: 'search', name: 'query', value: current, placeholder: 'Search members by email or name', 'data-testid': 'member-search' });
  const searchForm = on(
    h('form', { class: 'row' }, search, h('button', { type: 'submit', class: 'secondary', 'data-testid': 'member-search-go' }, 'Search')),
    'submit',
    (event) => {
      event.preventDefault();
      orgUi.memberQuery.set(org.id, search.value.trim());
      void refresh();
    },
  );
  const table = h(
    'table',
    { class: 'members' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Member'), h('th', {}, 'Role'), h('th', {}, ''))),
    h(
      'tbody',
      {},
      ...members.map((member) => {
        const self = member.user.id === me.id;
        const label = member.user.email ?? member.user.id;
        return h(
          'tr',
          { 'data-testid': 'member', 'data-email': member.user.email ?? '', 'data-role': member.role },
          h('td', {}, h('div', {}, label), member.user.displayName ? h('div', { class: 'muted' }, member.user.displayName) : null),
          h('td', {}, member.viewerCan.changeRole ? roleSelect(org, member) : h('span', { 'data-testid': 'member-role' }, member.role)),
          h(
            'td',
            { class: 'actions' },
            member.viewerCan.transferOwnership
              ? button('Make owner', { class: 'secondary', 'data-testid': 'transfer-ownership' }, () => {
                  void act(`${label} now owns ${org.name}`, () => execute(transferOwnershipMutation, { orgId: org.id, userId: member.user.id }));
                })
              : null,
            member.viewerCan.remove
              ? button(self ? 'Leave' : 'Remove', { class: 'danger', 'data-testid': 'remove-member' }, () => {
                  void act(self ? `Left ${org.name}` : `Removed ${label}`, () => execute(removeMemberMutation, { orgId: org.id, userId: member.user.id }));
                })
              : null,
          ),
        );
      }),
    ),
  );
  return h(
    'div',
    {},
    searchForm,
    current && members.length === 0 ? h('p', { class: 'muted', 'data-testid': 'no-members' }, `No member matches “${current}”.`) : table,
    pageNote(members.length, total),
  );
}

/** Exactly the roles the server says it would accept for this member (`viewerCan.assignableRoles`). */
function roleSelect(org: OrgDetails, member: Member): HTMLSelectElement {
  const choices = member.viewerCan.assignableRoles.includes(member.role)
    ? member.viewerCan.assignableRoles
    : [member.role, ...member.viewerCan.assignableRoles];
  const select = h(
    'select',
    { 'data-testid': 'role-select', 'aria-label': `Role of ${member.user.email ?? member.user.id}` },
    ...choices.map((role) => h('option', { value: role, selected: role === member.role, disabled: !member.viewerCan.assignableRoles.includes(role) }, role)),
  );
  return on(select, 'change', () => {
    const role = select.value;
    void act(`${member.user.email ?? member.user.id} is now ${role}`, () => execute(changeRoleMutation, { orgId: org.id, userId: member.user.id, role }));
  });
}
