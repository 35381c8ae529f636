import './style.css';
import { adminView, loadAdmin, type AdminData } from './admin';
import { describeErrors, execute, isSessionRefused, takeImpersonationEnded, type Result } from './api';
import { act, formatDate, noticeView, onRefresh, ui } from './app';
import { adminAuditView, loadAdminAudit } from './audit';
import { h, on } from './dom';
import { impersonateAction, impersonationBanner } from './impersonation';
import { endImpersonation } from './impersonation-token';
import { addPasskey, authToken, deletePasskey, IdentityError, listPasskeys, signOut, type Passkey } from './identity';
import { consumeMagicLink, devSignInUrl, signInView } from './signin';
import type { AuditLogQuery, MyInvitationsQuery } from './gql/graphql';
import { acceptView, answerInvitation, loadMyInvitations, myInvitationsView, type AcceptOutcome } from './invitations';
import { viewerQuery } from './operations';
import { loadOrgs, orgsView, type Me, type OrgData } from './orgs';
import { currentPath, invitationToken, isAcceptPage } from './route';

/** The console's own URL path (`/console/`), where sign-in and sign-out return to. */
const HOME = import.meta.env.BASE_URL;
const SIGN_OUT_URL = '/dev/sign-out';
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
    const ended = takeImpersonationEnded();
    if (ended) ui.notice = { ok: false, text: 'Impersonation ended', code: ended };
    if (isSessionRefused(viewer)) return draw(refusedView(viewer), null);
    const me = viewer.data?.me ?? null;
    const accepting = isAcceptPage();
    if (!me) {
      if (viewer.errors.length > 0) return draw(failedView(viewer), null);
      const appName = viewer.data?.app.name ?? null;
      // The accept page signs the invitee in first, then comes back to itself.
      if (accepting) return draw(signInView(appName, refresh, currentPath(), 'Sign in with the invited email address to answer your invitation.'), null);
      return draw(signedOutView(appName), null);
    }
    if (accepting) return draw(acceptPage(me), me);
    const [orgs, invitations] = await Promise.all([loadOrgs(me), loadMyInvitations()]);
    const admin = me.appRole === 'ADMIN' ? await Promise.all([loadAdmin(), loadAdminAudit()]) : null;
    // While impersonating, the identity service's tokens are the admin's: show passgraph's view of the user's devices.
    const passkeys = me.impersonator ? null : await ownPasskeys();
    draw(consoleView(me, viewer.errors.length > 0 ? describeErrors(viewer.errors) : null, orgs, invitations, admin, passkeys), me);
  } finally {
    delete document.documentElement.dataset['busy'];
    document.documentElement.dataset['generation'] = String(++generation);
  }
}

function draw(view: Node, me: Me | null): void {
  root.replaceChildren(view);
  session.replaceChildren(...(me ? [h('span', { class: 'muted' }, 'Signed in as '), h('strong', {}, me.email ?? me.id), signOutForm()] : []));
}

function signInLink(): HTMLElement {
  return h('a', { href: devSignInUrl(currentPath()), class: 'button', 'data-testid': 'sign-in' }, 'Sign in');
}

/** The accept page's answer, kept while the page is open. */
let acceptOutcome: AcceptOutcome | null = null;

/** `…/console/?invitation=<token>#/accept`: accept or decline, as the signed-in user. */
function acceptPage(me: Me): Node {
  const token = invitationToken();
  const outcome: AcceptOutcome | null = token ? acceptOutcome : { ok: false, code: 'NO_INVITATION_TOKEN' };
  return acceptView(
    me.email ?? null,
    outcome,
    (accept) =>
      void (async () => {
        acceptOutcome = await answerInvitation(token!, accept);
        await refresh();
      })(),
    signOutForm(currentPath()),
    HOME,
  );
}

function signedOutView(appName: string | null): Node {
  return signInView(appName, refresh);
}

/**
 * Sign-out ends both kinds of session: the identity service's refresh token is revoked (`DELETE
 * tokens`) and the tokens forgotten, then the dev sign-out expires the dev sign-in's cookie.
 */
function signOutForm(returnTo: string = currentPath()): HTMLFormElement {
  const form = h(
    'form',
    { method: 'post', action: SIGN_OUT_URL, class: 'inline' },
    h('input', { type: 'hidden', name: 'redirect', value: returnTo }),
    h('button', { type: 'submit', class: 'secondary', 'data-testid': 'sign-out' }, 'Sign out'),
  );
  return on(form, 'submit', (event) => {
    endImpersonation();
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
  orgs: Map<string, OrgData>,
  invitations: Result<MyInvitationsQuery>,
  admin: [AdminData, Result<AuditLogQuery>] | null,
  passkeys: Passkey[] | IdentityError | null,
): Node {
  return h(
    'div',
    { class: 'layout' },
    impersonationBanner(me),
    noticeView(),
    partial ? h('p', { class: 'notice error', 'data-testid': 'partial-error' }, `Some fields could not be loaded: ${partial}`) : null,
    myInvitationsView(invitations),
    profileView(me, passkeys),
    orgsView(me, orgs),
    ...(admin ? [...adminView(me, admin[0], (user) => impersonateAction(me, user)), adminAuditView(admin[1])] : []),
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

onRefresh(refresh);
void consumeMagicLink().then(refresh);
