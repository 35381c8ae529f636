import { badUserInput } from '../errors.js';

/** Lower-case letters and digits in words joined by single hyphens: safe in a URL path as is. */
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const MAX_SLUG_LENGTH = 63;

/** Refuses rather than repairs: a client that sends `My Org` learns the rule instead of getting `my-org` silently. */
export function validSlug(value: string | null): string {
  if (value === null || value.length < 1 || value.length > MAX_SLUG_LENGTH || !SLUG.test(value)) {
    throw badUserInput('slug', `slug must be 1 to ${MAX_SLUG_LENGTH} lower-case letters or digits, in words joined by single hyphens.`);
  }
  return value;
}

/** A slug made from a display name: accents dropped, other characters become hyphens; `org` when nothing is left. */
export function slugFromName(name: string): string {
  const base = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 50)
    .replace(/^-+|-+$/g, '');
  return base || 'org';
}

/** A LIKE pattern matching `text` anywhere, with LIKE's own wildcards escaped (use with ESCAPE '\'). */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
