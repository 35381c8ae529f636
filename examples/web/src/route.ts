// Where the console is: the home page or the invitation accept page, read from the URL.
//
// The accept page is `/console/?invitation=<token>#/accept` (INVITATION_ACCEPT_URL's dev default
// is `…/console/#/accept`, and passgraph adds the token as the `invitation` query parameter);
// `/console/#/accept?invitation=<token>` is read too. The emailed link is a Passage magic link to
// that page, so the identity provider appends `psg_magic_link=…`, which lands in the query string
// or, after the `#/accept` fragment, inside the fragment: both are read.

export const ACCEPT_ROUTE = '/accept';
const INVITATION_PARAM = 'invitation';
const MAGIC_LINK_PARAM = 'psg_magic_link';

type Parsed = { path: string; search: URLSearchParams; hashPath: string; hashParams: URLSearchParams };

function parse(href: string): Parsed {
  const url = new URL(href);
  const hash = url.hash.replace(/^#/, '');
  const cut = hash.search(/[?&]/);
  return {
    path: url.pathname,
    search: url.searchParams,
    hashPath: cut < 0 ? hash : hash.slice(0, cut),
    hashParams: new URLSearchParams(cut < 0 ? '' : hash.slice(cut + 1)),
  };
}

function rebuild(p: Parsed): string {
  const search = p.search.toString();
  const hashParams = p.hashParams.toString();
  const hash = p.hashPath || hashParams ? `#${p.hashPath}${hashParams ? `?${hashParams}` : ''}` : '';
  return `${p.path}${search ? `?${search}` : ''}${hash}`;
}

/** The invitation token when this is the accept page, else null. */
export function invitationToken(href: string = location.href): string | null {
  const p = parse(href);
  const token = p.hashParams.get(INVITATION_PARAM) ?? p.search.get(INVITATION_PARAM);
  if (token) return token;
  return null;
}

export function isAcceptPage(href: string = location.href): boolean {
  return parse(href).hashPath === ACCEPT_ROUTE || invitationToken(href) !== null;
}

/** The magic-link secret in the URL, if any (query string or fragment). */
export function magicLinkSecret(href: string = location.href): string | null {
  const p = parse(href);
  return p.search.get(MAGIC_LINK_PARAM) ?? p.hashParams.get(MAGIC_LINK_PARAM);
}

/** This page's path without the magic-link secret: what the address bar keeps. */
export function withoutMagicLink(href: string = location.href): string {
  const p = parse(href);
  p.search.delete(MAGIC_LINK_PARAM);
  p.hashParams.delete(MAGIC_LINK_PARAM);
  return rebuild(p);
}

/** This page's path (query and fragment included): where a sign-in returns to. */
export function currentPath(href: string = location.href): string {
  return withoutMagicLink(href);
}
