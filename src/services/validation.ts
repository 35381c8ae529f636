import { z } from 'zod';
import { badUserInput } from '../errors.js';
import { isPassageId } from '../passage/ids.js';

/**
 * Input checks that run before Passage is called, so a bad request costs no upstream call and
 * the client learns which field is wrong.
 */

const email = z.email();
const E164 = /^\+[1-9]\d{1,14}$/;
export const MAGIC_LINK_LANGUAGES = ['de', 'en', 'es', 'it', 'pl', 'pt', 'zh'] as const;

export function validEmail(value: string | null | undefined, field = 'email'): string | undefined {
  if (value === undefined || value === null) return undefined;
  const trimmed = value.trim().toLowerCase();
  // RFC 5321's limits (254 in all, 64 before the @), which the pattern alone lets through.
  const tooLong = trimmed.length > 254 || trimmed.indexOf('@') > 64;
  if (tooLong || !email.safeParse(trimmed).success) throw badUserInput(field, `${field} must be a valid email address.`);
  return trimmed;
}

export function validPhone(value: string | null | undefined, field = 'phone'): string | undefined {
  if (value === undefined || value === null) return undefined;
  const trimmed = value.trim();
  if (!E164.test(trimmed)) throw badUserInput(field, `${field} must be an E.164 phone number such as +14155550100.`);
  return trimmed;
}

export function validMetadata(value: unknown, field = 'metadata'): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw badUserInput(field, `${field} must be a JSON object.`);
  if (JSON.stringify(value).length > 16_384) throw badUserInput(field, `${field} must be at most 16 KB of JSON.`);
  return value as Record<string, unknown>;
}

export function validUrlOrPath(value: string | null | undefined, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (value.startsWith('/') && !value.startsWith('//')) return value;
  try {
    const url = new URL(value);
    if (url.protocol === 'https:' || url.protocol === 'http:') return value;
  } catch {
    // fall through
  }
  throw badUserInput(field, `${field} must be an http(s) URL or a path starting with /.`);
}

/**
 * The one check for an id that names a Passage object (user, device, magic link): such ids end
 * up in Passage URL paths, where `.` or `..` would address another endpoint.
 */
export function validPassageId(value: unknown, field: string): string {
  if (!isPassageId(value)) throw badUserInput(field, `${field} is not a Passage id (1 to 128 letters, digits, _ or -).`);
  return value;
}
