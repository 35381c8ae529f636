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
      return {
        ...field,
        description: [field.description, ...new Set(lines)].filter(Boolean).join('\n\n'),
        resolve: async (source, args, ctx: GraphQLContext, info) => {
          for (const guard of own) await guard.check({ ctx, source, args, info });
          let value: unknown;
          try {
            value = await resolve(source, args, ctx, info);
          } catch (err) {
            for (const guard of own) await guard.failed?.({ ctx, source, args, info }, err);
            throw err;
          }
          return returned.size > 0 ? checkReturned(value, returned, { ctx, args, info }) : value;
        },
      };
    },
  });
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
 * membership look-ups share one DataLoader batch.
 */
async function checkReturned(value: unknown, guards: Map<string, Guard[]>, rest: Omit<GuardInput, 'source'>): Promise<unknown> {
  const resolved = await value;
  if (resolved === null || resolved === undefined) return resolved;
  if (Array.isArray(resolved)) {
    const DENIED = Symbol('denied');
    const checked = await Promise.all(
      resolved.map(async (item: unknown) => {
        try {
          return await checkReturned(item, guards, rest);
        } catch (err) {
          if (err instanceof GraphQLError) return DENIED;
          throw err;
        }
      }),
    );
    return checked.filter((item) => item !== DENIED);
  }
  const typeName = await resolveTypeName(resolved, rest);
  if (typeName === undefined) {
    // Fail closed: an object whose type cannot be told might be a guarded one.
    throw forbidden('TYPE_UNRESOLVED', 'The type of this object could not be determined.');
  }
  for (const guard of guards.get(typeName) ?? []) await guard.check({ ...rest, source: resolved });
  return resolved;
}

/** The concrete type name, found the way graphql-js finds it: resolveType, __typename, isTypeOf. */
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
