import { badRequest } from './errors.js';
import {
  ORDER_FIELDS,
  USER_STATUSES,
  parseStamp,
  type FilterField,
  type FilterOp,
  type ListUsersQuery,
  type OrderField,
  type UserFilter,
  type UserStatus,
} from './store.js';

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 500;
// 9999-12-31T23:59:59Z: beyond it the stored timestamp form would need a fifth year digit.
const MAX_UNIX_SECONDS = 253402300799;
const FILTER_FIELDS: readonly FilterField[] = ['identifier', 'id', 'status', 'login_count', 'created_at', 'updated_at', 'last_login_at'];
const STRING_FIELDS: readonly FilterField[] = ['identifier', 'id', 'status'];
const OPERATOR = /^(ne|gt|lt|like|not_like):(.*)$/s;

export type ParsedListQuery = {
  query: ListUsersQuery;
  /** Unix seconds, echoed as `created_before` and carried in every link. */
  createdBefore: number;
  /** order_by and filter parameters as received, carried in every link. */
  passThrough: Array<[string, string]>;
};

function integerParam(params: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = params.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw)) throw badRequest(`${name}: must be an integer.`);
  const value = Number(raw);
  if (value < min || value > max) throw badRequest(`${name}: must be between ${min} and ${max}.`);
  return value;
}

function parseOrderBy(raw: string | null): ListUsersQuery['orderBy'] {
  if (!raw) return [{ field: 'created_at', direction: 'ASC' }];
  return raw.split(',').map((part) => {
    const [field = '', direction = '', ...rest] = part.trim().split(':');
    if (field === 'identifier') throw badRequest('order_by: cannot order by identifier.');
    if (!(ORDER_FIELDS as readonly string[]).includes(field)) throw badRequest(`order_by: unknown field "${field}".`);
    const dir = direction.toUpperCase();
    if (rest.length > 0 || (dir !== 'ASC' && dir !== 'DESC')) throw badRequest('order_by: must be a comma separated list of <field>:<ASC|DESC>.');
    return { field: field as OrderField, direction: dir };
  });
}

function parseFilter(field: FilterField, raw: string): UserFilter {
  const match = OPERATOR.exec(raw);
  const op = (match?.[1] ?? 'eq') as FilterOp;
  const text = match?.[2] ?? raw;
  if ((op === 'like' || op === 'not_like') && !STRING_FIELDS.includes(field)) {
    throw badRequest(`${field}: operator ${op} is only supported on string fields.`);
  }
  if (field === 'login_count') {
    if (!/^-?\d+$/.test(text)) throw badRequest('login_count: must be an integer.');
    return { field, op, value: Number(text) };
  }
  if (field === 'created_at' || field === 'updated_at' || field === 'last_login_at') {
    const stamp = parseStamp(text);
    if (!stamp) throw badRequest(`${field}: must be a valid timestamp in the format 2006-01-02T15:04:05.000000Z.`);
    return { field, op, value: stamp };
  }
  if (field === 'status' && (op === 'eq' || op === 'ne') && !USER_STATUSES.includes(text as UserStatus)) {
    throw badRequest(`status: must be one of ${USER_STATUSES.join(', ')}.`);
  }
  return { field, op, value: text };
}

/** Validates the list-users query string the way the real API does: bad values are a 400, never ignored. */
export function parseListUsersQuery(params: URLSearchParams, nowMs: number): ParsedListQuery {
  const page = integerParam(params, 'page', 1, 1, Number.MAX_SAFE_INTEGER);
  const limit = integerParam(params, 'limit', DEFAULT_LIMIT, 1, MAX_LIMIT);
  // "Now" rounded up, so users created earlier in the current second are included.
  const createdBefore = integerParam(params, 'created_before', Math.floor(nowMs / 1000) + 1, 0, MAX_UNIX_SECONDS);
  const rawOrderBy = params.get('order_by');
  const orderBy = parseOrderBy(rawOrderBy);
  const filters: UserFilter[] = [];
  const passThrough: Array<[string, string]> = rawOrderBy ? [['order_by', rawOrderBy]] : [];
  for (const field of FILTER_FIELDS) {
    for (const raw of params.getAll(field)) {
      if (raw === '') continue;
      filters.push(parseFilter(field, raw));
      passThrough.push([field, raw]);
    }
  }
  return {
    query: {
      page,
      limit,
      createdBefore: `${new Date(createdBefore * 1000).toISOString().slice(0, 19)}.000000Z`,
      orderBy,
      filters,
    },
    createdBefore,
    passThrough,
  };
}

type Link = { href: string };

/** Relative hrefs; `previous`/`next` are empty when there is no such page. */
export function paginationLinks(appId: string, parsed: ParsedListQuery, total: number) {
  const { page, limit } = parsed.query;
  const lastPage = Math.max(1, Math.ceil(total / limit));
  const href = (p: number): Link => {
    const params = new URLSearchParams([
      ['page', String(p)],
      ['limit', String(limit)],
      ['created_before', String(parsed.createdBefore)],
      ...parsed.passThrough,
    ]);
    return { href: `/v1/apps/${appId}/users?${params.toString()}` };
  };
  return {
    self: href(page),
    first: href(1),
    last: href(lastPage),
    next: page < lastPage ? href(page + 1) : { href: '' },
    previous: page > 1 ? href(page - 1) : { href: '' },
  };
}
