import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import {
  defaultFieldResolver,
  getNamedType,
  GraphQLError,
  isAbstractType,
  isInterfaceType,
  isObjectType,
  type GraphQLFieldConfig,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from 'graphql';
import type { GraphQLContext } from './context.js';
import { forbidden, unauthenticated } from './errors.js';

/**
 * Authorization declared in the SDL and enforced at resolution time. Nothing rewrites the
 * operation: a denied field is null with a coded error, its siblings still resolve.
 *
 * A directive on a field guards that field. A directive on an object type guards the type's
 * instances: every field returning the type (directly, in a list, or through an interface or
 * union) checks each returned object. A denied object in a list is left out of the list; a denied
 * single object is null with the guard's error. Directives on an interface, or on an interface's
 * field, apply to every implementation, because resolvers only ever run on concrete types.
 */

export type GuardInput = {
  ctx: GraphQLContext;
  /** For a field guard the parent object; for a type guard the guarded object itself. */
  source: unknown;
  args: Record<string, unknown>;
  info: GraphQLResolveInfo;
};

export type Guard = {
  /** Throws a coded GraphQLError to deny. */
  check(input: GuardInput): void | Promise<void>;
  /** One sentence for the field's description, so introspection-based tools show the rule. */
  describe: string;
  /** Told when the field's resolver failed after every check passed (a rate limit refunds). */
  failed?(input: GuardInput, error: unknown): void | Promise<void>;
};

export type GuardSite = {
  schema: GraphQLSchema;
  typeName: string;
  fieldName?: string;
  field?: GraphQLFieldConfig<unknown, unknown>;
};

/** Turns one applied directive into a guard; throws at start-up on arguments it cannot honour. */
export type GuardFactory = (args: Record<string, unknown>, site: GuardSite) => Guard;

/** `@public` grants nothing and checks nothing, but counts as an explicit access decision. */
export const baseGuards: Record<string, GuardFactory> = {
  public: () => ({ check: () => {}, describe: 'Access: anyone, signed in or not.' }),
  authenticated: () => ({
    check: ({ ctx }) => {
      if (!ctx.viewer) throw unauthenticated();
    },
    describe: 'Access: signed-in users.',
  }),
};

export function applyAuthDirectives(schema: GraphQLSchema, factories: Record<string, GuardFactory>): GraphQLSchema {
  const names = Object.keys(factories);
  const guardsOf = (node: Parameters<typeof getDirective>[1], site: GuardSite): Guard[] =>
    names.flatMap((name) => (getDirective(schema, node, name) ?? []).map((args) => factories[name]!(args, site)));

  // Type guards are built once per type so every path shares the same checks.
  const typeGuards = new Map<string, Guard[]>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isInterfaceType(type)) {
      const own = guardsOf(type, { schema, typeName: type.name });
      if (own.length > 0 && schema.getPossibleTypes(type).length === 0) {
        throw new Error(`Guard on interface ${type.name} cannot be enforced: no type implements it`);
      }
      continue;
    }
    if (!isObjectType(type)) continue;
    const guards = [type, ...type.getInterfaces()].flatMap((t) => guardsOf(t, { schema, typeName: type.name }));
    if (guards.length > 0) typeGuards.set(type.name, guards);
  }

  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      const site = { schema, typeName, fieldName, field };
      const type = schema.getType(typeName) as GraphQLObjectType;
      const inherited = type.getInterfaces().flatMap((i) => {
        const f = i.getFields()[fieldName];
        return f ? guardsOf(f, site) : [];
      });
      const own = [...guardsOf(field, site), ...inherited];
      const returned = returnedTypeGuards(schema, field, typeGuards);
      if (own.length === 0 && returned.size === 0) return field;

      const lines = own.map((g) => g.describe);
      for (const [name, guards] of returned) lines.push(...guards.map((g) => `Each ${name} returned is checked: ${g.describe.replace(/^Access: /, '')}`));
      const resolve = field.resolve ?? defaultFieldResolver;
      // Stays synchronous while every check and the resolver are: graphql-js completes a plain
      // value without the promise machinery, which matters on a page of guarded objects.
      const resolveChecked = (source: unknown, args: Record<string, unknown>, ctx: GraphQLContext, info: GraphQLResolveInfo): unknown => {
        let value: unknown;
        try {
          value = resolve(source, args, ctx, info);
        } catch (err) {
          return failed(own, { ctx, source, args, info }, err);
        }
        if (isPromiseLike(value)) {
          return Promise.resolve(value).then(
            (resolved) => (returned.size > 0 ? checkReturned(resolved, returned, { ctx, args, info }) : resolved),
            (err: unknown) => failed(own, { ctx, source, args, info }, err),
          );
        }
        return returned.size > 0 ? checkReturned(value, returned, { ctx, args, info }) : value;
      };
      return {
        ...field,
        description: [field.description, ...new Set(lines)].filter(Boolean).join('\n\n'),
        resolve: (source, args, ctx: GraphQLContext, info) => {
          const checked = runChecks(own, { ctx, source, args, info });
          return checked ? checked.then(() => resolveChecked(source, args, ctx, info)) : resolveChecked(source, args, ctx, info);
        },
      };
    },
  });
}

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> => typeof (value as PromiseLike<unknown> | null)?.then === 'function';

/** Runs the guards in order, each after the previous one passed; a promise only once one returns one. */
function runChecks(guards: readonly Guard[], input: GuardInput, from = 0): void | Promise<void> {
  for (let i = from; i < guards.length; i++) {
    const pending = guards[i]!.check(input);
    if (pending) return Promise.resolve(pending).then(() => runChecks(guards, input, i + 1));
  }
}

/** The resolver failed after every check passed: each guard is told (a rate limit refunds), then the error stands. */
async function failed(guards: readonly Guard[], input: GuardInput, err: unknown): Promise<never> {
  for (const guard of guards) await guard.failed?.(input, err);
  throw err;
}

/** Guards of every object type the field can return, keyed by type name. */
function returnedTypeGuards(schema: GraphQLSchema, field: GraphQLFieldConfig<unknown, unknown>, typeGuards: Map<string, Guard[]>): Map<string, Guard[]> {
  const named = getNamedType(field.type);
  const candidates: readonly GraphQLObjectType[] = isAbstractType(named) ? schema.getPossibleTypes(named) : isObjectType(named) ? [named] : [];
  const out = new Map<string, Guard[]>();
  for (const type of candidates) {
    const guards = typeGuards.get(type.name);
    if (guards) out.set(type.name, guards);
  }
  return out;
}

/**
 * Returns the value with denied list items removed; throws for a denied single object. List
 * items are checked together (they may be promises, as `ids.map(loader.load)` gives), so their
 * membership look-ups share one DataLoader batch. Synchronous when the value and every check are.
 */
function checkReturned(value: unknown, guards: Map<string, Guard[]>, rest: Omit<GuardInput, 'source'>): unknown {
  if (isPromiseLike(value)) return Promise.resolve(value).then((resolved) => checkReturned(resolved, guards, rest));
  if (value === null || value === undefined) return value;
  if (Array.isArray(value)) return checkList(value, guards, rest);
  const named = getNamedType(rest.info.returnType);
  if (!isAbstractType(named)) return checkObject(value, named.name, guards, rest);
  return resolveTypeName(value, rest).then((typeName) => checkObject(value, typeName, guards, rest));
}

function checkObject(value: unknown, typeName: string | undefined, guards: Map<string, Guard[]>, rest: Omit<GuardInput, 'source'>): unknown {
  if (typeName === undefined) {
    // Fail closed: an object whose type cannot be told might be a guarded one.
    throw forbidden('TYPE_UNRESOLVED', 'The type of this object could not be determined.');
  }
  const checked = runChecks(guards.get(typeName) ?? [], { ...rest, source: value });
  return checked ? checked.then(() => value) : value;
}

const DENIED = Symbol('denied');

function checkList(list: readonly unknown[], guards: Map<string, Guard[]>, rest: Omit<GuardInput, 'source'>): unknown {
  const denied = (err: unknown) => {
    if (err instanceof GraphQLError) return DENIED;
    throw err;
  };
  let anyPending = false;
  const checked = list.map((item) => {
    try {
      const result = checkReturned(item, guards, rest);
      if (!isPromiseLike(result)) return result;
      anyPending = true;
      return Promise.resolve(result).then((r) => r, denied);
    } catch (err) {
      return denied(err);
    }
  });
  const kept = (items: unknown[]) => items.filter((item) => item !== DENIED);
  return anyPending ? Promise.all(checked).then(kept) : kept(checked);
}

/** The concrete type name of a value of an abstract type, found the way graphql-js finds it: resolveType, __typename, isTypeOf. */
async function resolveTypeName(value: unknown, { info, ctx }: Omit<GuardInput, 'source'>): Promise<string | undefined> {
  const named = getNamedType(info.returnType);
  if (!isAbstractType(named)) return named.name;
  const resolved = (await named.resolveType?.(value, ctx, info, named)) ?? (value as { __typename?: unknown }).__typename;
  if (typeof resolved === 'string') return resolved;
  for (const type of info.schema.getPossibleTypes(named)) {
    if (type.isTypeOf && (await type.isTypeOf(value, ctx, info))) return type.name;
  }
  return undefined;
}

/** Root fields with no access directive at all; the server refuses to start when any exist. */
export function rootFieldsWithoutAccess(schema: GraphQLSchema, directiveNames: readonly string[]): string[] {
  const missing: string[] = [];
  for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (!root) continue;
    for (const field of Object.values(root.getFields())) {
      const has = directiveNames.some((name) => (getDirective(schema, field, name) ?? []).length > 0);
      if (!has) missing.push(`${root.name}.${field.name}`);
    }
  }
  return missing;
}
