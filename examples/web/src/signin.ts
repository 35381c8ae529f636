import { h, on } from './dom';
import { activateCode, activateMagicLink, IdentityError, registerWithPasskey, sendCode, sendMagicLink, signInWithPasskey, userExists } from './identity';
import { magicLinkSecret, withoutMagicLink } from './route';

/** The console's own path: magic links come back here unless a page asks for itself. */
const HOME = import.meta.env.BASE_URL;

/** The dev server's stand-in for the Passage element, kept as a shortcut in dev mode; it returns to `path`. */
export function devSignInUrl(path: string = HOME): string {
  return `/dev/sign-in?redirect=${encodeURIComponent(path)}`;
}

type Status = { ok: boolean; text: string; code?: string };

const state: { status: Status | null; otpId: string | null; email: string } = { status: null, otpId: null, email: '' };

/** What a failed step shows: the identity service's code, or the browser's WebAuthn error name. */
function failure(err: unknown): Status {
  if (err instanceof IdentityError) return { ok: false, text: 'Refused', code: err.code };
  // @simplewebauthn/browser's WebAuthnError and the DOMExceptions it passes on carry a name/code.
  const named = err as { code?: unknown; name?: unknown };
  const code = typeof named.code === 'string' ? named.code : typeof named.name === 'string' ? named.name : 'error';
  return { ok: false, text: 'The passkey ceremony did not complete', code };
}

/**
 * Signs in from a magic link in the page's URL (`psg_magic_link`, in the query string or, on the
 * invitation accept page, in the fragment), then removes the secret from the address bar and
 * history. True when the URL had one.
 */
export async function consumeMagicLink(): Promise<boolean> {
  const secret = magicLinkSecret();
  if (!secret) return false;
  history.replaceState(null, '', withoutMagicLink());
  try {
    await activateMagicLink(secret);
    state.status = null;
  } catch (err) {
    state.status = failure(err);
  }
  return true;
}

/**
 * The sign-in page: passkey first ("Sign in with a passkey" needs no email: discoverable
 * credentials), an email for a new account or a known one, and a link or a one-time code as
 * fallback. `signedIn` redraws the console once tokens are stored. Emailed links and the dev
 * shortcut come back to `returnTo` (the invitation accept page passes itself).
 */
export function signInView(appName: string | null, signedIn: () => Promise<void>, returnTo: string = HOME, intro = 'You are not signed in.'): Node {
  const root = h('section', { class: 'card narrow', 'data-testid': 'signed-out' });
  const redraw = () => root.replaceChildren(...content().filter((n): n is Node => n !== null));
  /** Runs one step; a thrown error becomes the status line, success either signs in or redraws. */
  const step = (run: () => Promise<'signed-in' | Status>) => async () => {
    root.dataset['pending'] = 'true';
    try {
      const outcome = await run();
      if (outcome === 'signed-in') {
        state.status = null;
        state.otpId = null;
        return await signedIn();
      }
      state.status = outcome;
    } catch (err) {
      state.status = failure(err);
    } finally {
      delete root.dataset['pending'];
    }
    redraw();
  };

  const content = (): Array<Node | null> => {
    const email = h('input', {
      id: 'signin-email',
      type: 'email',
      name: 'email',
      autocomplete: 'username webauthn',
      placeholder: 'you@example.com',
      value: state.email,
      'data-testid': 'signin-email',
    });
    const read = () => {
      state.email = email.value.trim();
      if (!state.email) throw new IdentityError(400, 'identifier_required');
      return state.email;
    };
    const passkey = on(
      h('button', { type: 'button', 'data-testid': 'signin-passkey' }, 'Sign in with a passkey'),
      'click',
      step(async () => {
        await signInWithPasskey();
        return 'signed-in';
      }),
    );
    // Known email: a passkey sign-in for that user; new email: the account is created with a passkey.
    const continueWithPasskey = on(h('button', { type: 'submit', 'data-testid': 'signin-continue' }, 'Continue with a passkey'), 'click', (event) => {
      event.preventDefault();
      void step(async () => {
        const identifier = read();
        if (await userExists(identifier)) await signInWithPasskey(identifier);
        else await registerWithPasskey(identifier);
        return 'signed-in';
      })();
    });
    const link = on(
      h('button', { type: 'button', class: 'secondary', 'data-testid': 'signin-magic-link' }, 'Email me a sign-in link'),
      'click',
      step(async () => {
        const identifier = read();
        await sendMagicLink(identifier, returnTo);
        return { ok: true, text: `A sign-in link was sent to ${identifier}.` };
      }),
    );
    const code = on(
      h('button', { type: 'button', class: 'secondary', 'data-testid': 'signin-otp' }, 'Email me a code'),
      'click',
      step(async () => {
        const identifier = read();
        state.otpId = await sendCode(identifier);
        return { ok: true, text: `A six-digit code was sent to ${identifier}.` };
      }),
    );
    const status = state.status;
    const codeForm = state.otpId ? otpForm(state.otpId, step) : null;
    return [
      h('h1', {}, appName ?? 'passgraph'),
      h('p', {}, intro),
      status
        ? h(
            'p',
            {
              class: status.ok ? 'notice ok' : 'notice error',
              role: 'status',
              'data-testid': 'signin-status',
              'data-ok': String(status.ok),
              'data-code': status.code ?? '',
            },
            status.code ? `${status.text}: ${status.code}` : status.text,
          )
        : null,
      h('div', { class: 'row' }, passkey),
      h(
        'form',
        { class: 'stack', 'data-testid': 'signin-form' },
        h('label', { for: 'signin-email' }, 'Email'),
        email,
        h('div', { class: 'row' }, continueWithPasskey, link, code),
      ),
      codeForm,
      h('p', { class: 'muted' }, 'Dev mode shortcut: ', h('a', { href: devSignInUrl(returnTo), 'data-testid': 'sign-in' }, 'sign in without a passkey')),
    ];
  };
  redraw();
  return root;
}

function otpForm(otpId: string, step: (run: () => Promise<'signed-in' | Status>) => () => Promise<void>): Node {
  const input = h('input', {
    name: 'otp',
    inputmode: 'numeric',
    autocomplete: 'one-time-code',
    maxlength: 6,
    placeholder: '123456',
    'data-testid': 'otp-code',
  });
  return on(
    h('form', { class: 'row', 'data-testid': 'otp-form' }, input, h('button', { type: 'submit', 'data-testid': 'otp-submit' }, 'Sign in with the code')),
    'submit',
    (event) => {
      event.preventDefault();
      void step(async () => {
        await activateCode(otpId, input.value.trim());
        return 'signed-in';
      })();
    },
  );
}
