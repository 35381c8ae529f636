import { describeErrors, execute } from './api';
import { act, button, formatTime, refresh, ui } from './app';
import { h, on, type Child } from './dom';
import type { AdminUsersQuery } from './gql/graphql';
import { endImpersonation, impersonation, startImpersonation } from './impersonation-token';
import { impersonateUserMutation, revokeImpersonationMutation } from './operations';
import type { Me } from './orgs';

// Impersonation: an app admin acts as a user for support. The banner shows while the console runs
// on an impersonation token; "Stop" revokes it (`revokeImpersonation`) and returns to the admin.

type UserNode = AdminUsersQuery['users']['edges'][number]['node'];

const state: { askingFor: string | null } = { askingFor: null };

/** The banner, when the signed-in session is an impersonation (`me.impersonator`). */
export function impersonationBanner(me: Me): Child {
  if (!me.impersonator) return null;
  const stored = impersonation();
  return h(
    'div',
    { class: 'banner', role: 'alert', 'data-testid': 'impersonation-banner', 'data-impersonator': me.impersonator.email ?? me.impersonator.id },
    h('span', {}, 'Acting as ', h('strong', {}, me.email ?? me.id), ' on behalf of ', h('strong', {}, me.impersonator.email ?? me.impersonator.id)),
    stored ? h('span', { class: 'muted' }, ` until ${formatTime(stored.expiresAt)}`) : null,
    button('Stop impersonating', { class: 'secondary', 'data-testid': 'stop-impersonating' }, () => void stop()),
  );
}

async function stop(): Promise<void> {
  const stored = impersonation();
  if (!stored) return refresh();
  // Sent with the impersonation token itself: the impersonated session may end its own token.
  const result = await execute(revokeImpersonationMutation, { token: stored.token });
  endImpersonation();
  // Refused (expired already, say): the token is dropped all the same.
  ui.notice =
    result.errors.length === 0
      ? { ok: true, text: 'Impersonation ended' }
      : { ok: false, text: 'Impersonation ended; revoking it was refused', code: describeErrors(result.errors) };
  await refresh();
}

/** The admin's "Impersonate" action on a user's row: asks for the reason, then switches. */
export function impersonateAction(me: Me, user: UserNode): Child[] {
  // Not offered where the server refuses: app admins (TARGET_IS_ADMIN), deactivated users
  // (USER_DEACTIVATED), oneself; nor from inside an impersonation.
  if (user.id === me.id || user.appRole === 'ADMIN' || user.status === 'INACTIVE' || me.impersonator) return [];
  if (state.askingFor !== user.id) {
    return [
      button('Impersonate', { class: 'secondary', 'data-testid': 'impersonate' }, () => {
        state.askingFor = user.id;
        void refresh();
      }),
    ];
  }
  const reason = h('input', { name: 'reason', required: true, maxlength: 500, placeholder: 'Reason (ticket)', 'data-testid': 'impersonate-reason' });
  return [
    on(h('form', { class: 'row inline' }, reason, h('button', { type: 'submit', 'data-testid': 'impersonate-start' }, 'Start')), 'submit', (event) => {
      event.preventDefault();
      state.askingFor = null;
      void act(`Acting as ${user.email ?? user.id}`, async () => {
        const result = await execute(impersonateUserMutation, { userId: user.id, reason: reason.value });
        const started = result.data?.impersonateUser;
        if (started) startImpersonation({ token: started.token, expiresAt: started.expiresAt, email: started.user.email ?? null });
        return result;
      });
    }),
  ];
}
