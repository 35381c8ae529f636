/**
 * What a Passage object id (user, device, magic link) looks like: letters, digits, `_` and `-`.
 * Anything else could change the meaning of a URL path (`.`, `..`, `/`, `%2F`, `?`), so such a
 * value is never put into one. Passage's own ids are 24 alphanumerics; the bound leaves room.
 */
const PASSAGE_ID = /^[A-Za-z0-9_-]{1,128}$/;

export function isPassageId(value: unknown): value is string {
  return typeof value === 'string' && PASSAGE_ID.test(value);
}
