import { getNamedType, getNullableType, isInputObjectType, isInterfaceType, isListType, isObjectType, type GraphQLArgumentConfig, type GraphQLInputType } from 'graphql';
import type { Roles } from '../auth/roles.js';
import type { GraphQLContext } from './context.js';
import type { Guard, GuardFactory, GuardInput, GuardSite } from './directives.js';
import { forbidden, notFound, unauthenticated } from './errors.js';
import { parentProperties } from './mappers.js';

/**
 * The role and permission directives. Each factory validates its arguments against the role
 * definitions and the schema when the schema is built, so a typo in a role, a permission or a
 * path stops start-up instead of denying (or allowing) at request time.
 */

type Source = 'ARG' | 'PARENT';
type DenyMode = 'ERROR' | 'NOT_FOUND';

const APP_RANK = { USER: 1, ADMIN: 2 } as const;
type AppRoleName = keyof typeof APP_RANK;

class Deny {
  constructor(
    readonly reason: string,
    readonly message: string,
    readonly details: Record<string, unknown> = {},
  ) {}
}

/** Reads the org id (or user id) a rule is about, from an argument path or the parent object. */
function locator(source: Source, path: string, site: GuardSite, directive: string): (input: GuardInput) => unknown {
  const segments = path.split('.');
  if (segments.some((s) => s === '')) throw new Error(`${where(site)} @${directive}: bad path "${path}"`);
  if (source === 'ARG') {
    if (!site.field) throw new Error(`${where(site)} @${directive}: org ARG needs a field, not a type`);
    assertArgPath(site, site.field.args ?? {}, segments, directive);
    return ({ args }) => segments.reduce<unknown>((v, k) => (v as Record<string, unknown> | null | undefined)?.[k], args);
  }
  // PARENT: on a field directive the parent is the object owning the field; on a type directive
  // it is the guarded object itself. Either way the property is on `typeName`'s source objects.
  const type = site.schema.getType(site.typeName);
  const fields = isObjectType(type) || isInterfaceType(type) ? Object.keys(type.getFields()) : [];
  const known = new Set([...fields, ...(parentProperties[site.typeName] ?? [])]);
  if (segments.length !== 1 || !known.has(path)) {
    throw new Error(`${where(site)} @${directive}: ${site.typeName} has no field or source property "${path}"`);
  }
  return ({ source: parent }) => (parent as Record<string, unknown> | null | undefined)?.[path];
}

function assertArgPath(site: GuardSite, args: Record<string, GraphQLArgumentConfig>, segments: string[], directive: string): void {
  // A list anywhere on the path would give many ids (or none) where the rule needs exactly one.
  const single = (t: GraphQLInputType | undefined) => (t && !isListType(getNullableType(t)) ? t : undefined);
  let type: GraphQLInputType | undefined = single(args[segments[0]!]?.type);
  for (const segment of segments.slice(1)) {
    const named = type ? getNamedType(type) : undefined;
    type = single(named && isInputObjectType(named) ? named.getFields()[segment]?.type : undefined);
  }
  const leaf = type ? getNamedType(type).name : undefined;
  if (leaf !== 'ID' && leaf !== 'String') {
    throw new Error(`${where(site)} @${directive}: argument path "${segments.join('.')}" does not lead to an ID or String`);
  }
}

const where = (site: GuardSite) => (site.fieldName ? `${site.typeName}.${site.fieldName}` : site.typeName);

function describeOrg(source: Source, path: string): string {
  return source === 'ARG' ? `the org given by argument \`${path}\`` : `the org of this object (\`${path}\`)`;
}

function requireViewer(ctx: GraphQLContext) {
  if (!ctx.viewer) throw unauthenticated();
  return ctx.viewer;
}

function raise(deny: Deny, mode: DenyMode, what: string): never {
  if (mode === 'NOT_FOUND') throw notFound(what);
  throw forbidden(deny.reason, deny.message, deny.details);
}

/** Null when the viewer passes; otherwise why not. App admins pass every org rule. */
async function orgDecision(
  ctx: GraphQLContext,
  orgId: unknown,
  test: (membership: NonNullable<Awaited<ReturnType<GraphQLContext['authz']['membership']>>>) => Deny | null,
): Promise<Deny | null> {
  const viewer = requireViewer(ctx);
  if (viewer.appRole === 'ADMIN') return null;
  if (typeof orgId !== 'string' || orgId === '') return new Deny('ORG_UNRESOLVED', 'The organization could not be determined.');
  const membership = await ctx.authz.membership(orgId);
  if (!membership) return new Deny('NOT_MEMBER', 'You are not a member of this organization.', { orgId });
  return test(membership);
}

export function createGuards(roles: Roles): Record<string, GuardFactory> {
  const knownRole = (name: unknown, site: GuardSite, directive: string): string => {
    if (typeof name !== 'string' || !roles.has(name)) {
      throw new Error(`${where(site)} @${directive}: unknown role "${String(name)}" (known: ${roles.ordered.map((r) => r.name).join(', ')})`);
    }
    return name;
  };
  const knownPermissions = (names: unknown, site: GuardSite, directive: string): string[] => {
    const list = (names as string[] | undefined) ?? [];
    for (const p of list) {
      if (!roles.permissions.has(p)) throw new Error(`${where(site)} @${directive}: unknown permission "${p}"`);
    }
    return list;
  };
  const roleTest = (role: string) => (m: { rank: number }) =>
    m.rank >= roles.rankOf(role) ? null : new Deny('INSUFFICIENT_ROLE', `Requires the ${role} role or higher in this organization.`, { required: role });
  const permissionTest = (all: string[], any: string[]) => (m: { permissions: ReadonlySet<string> }) => {
    const missing = all.filter((p) => !m.permissions.has(p));
    if (missing.length > 0) return new Deny('MISSING_PERMISSION', `Requires permission ${missing.join(', ')} in this organization.`, { required: missing });
    if (any.length > 0 && !any.some((p) => m.permissions.has(p))) {
      return new Deny('MISSING_PERMISSION', `Requires one of ${any.join(', ')} in this organization.`, { required: any });
    }
    return null;
  };

  const requireAppRole: GuardFactory = (args) => {
    const atLeast = args['atLeast'] as AppRoleName;
    return {
      describe: atLeast === 'ADMIN' ? 'Access: app admins.' : 'Access: signed-in users.',
      check: ({ ctx }) => {
        const viewer = requireViewer(ctx);
        if (APP_RANK[viewer.appRole] < APP_RANK[atLeast]) {
          throw forbidden('INSUFFICIENT_APP_ROLE', 'Requires an app admin.', { required: atLeast });
        }
      },
    };
  };

  const requireOrgRole: GuardFactory = (args, site) => {
    const role = knownRole(args['atLeast'], site, 'requireOrgRole');
    const source = (args['org'] ?? 'ARG') as Source;
    const path = (args['path'] as string | undefined) ?? (source === 'ARG' ? 'orgId' : 'id');
    const mode = (args['deny'] ?? 'ERROR') as DenyMode;
    const orgOf = locator(source, path, site, 'requireOrgRole');
    const test = roleTest(role);
    return {
      describe: `Access: the ${role} role or higher in ${describeOrg(source, path)}; app admins always.${mode === 'NOT_FOUND' ? ' Others get NOT_FOUND.' : ''}`,
      check: async (input) => {
        const deny = await orgDecision(input.ctx, orgOf(input), test);
        if (deny) raise(deny, mode, 'The organization');
      },
    };
  };

  const requirePermission: GuardFactory = (args, site) => {
    const all = knownPermissions(args['all'], site, 'requirePermission');
    const any = knownPermissions(args['any'], site, 'requirePermission');
    if (all.length === 0 && any.length === 0) throw new Error(`${where(site)} @requirePermission: name at least one permission`);
    const source = (args['org'] ?? 'ARG') as Source;
    const path = (args['path'] as string | undefined) ?? (source === 'ARG' ? 'orgId' : 'id');
    const mode = (args['deny'] ?? 'ERROR') as DenyMode;
    const orgOf = locator(source, path, site, 'requirePermission');
    const test = permissionTest(all, any);
    const rule = [all.length ? `permission ${all.join(' and ')}` : '', any.length ? `one of ${any.join(', ')}` : ''].filter(Boolean).join(' and ');
    return {
      describe: `Access: ${rule} in ${describeOrg(source, path)}; app admins always.${mode === 'NOT_FOUND' ? ' Others get NOT_FOUND.' : ''}`,
      check: async (input) => {
        const deny = await orgDecision(input.ctx, orgOf(input), test);
        if (deny) raise(deny, mode, 'The organization');
      },
    };
  };

  const selfOr: GuardFactory = (args, site) => {
    const userSource = (args['user'] ?? 'ARG') as Source;
    const userPath = (args['path'] as string | undefined) ?? 'userId';
    const userOf = locator(userSource, userPath, site, 'selfOr');
    const appRole = args['appRole'] as AppRoleName | undefined;
    const orgRole = args['orgRole'] === undefined ? undefined : knownRole(args['orgRole'], site, 'selfOr');
    const permission = args['permission'] === undefined ? undefined : knownPermissions([args['permission']], site, 'selfOr')[0];
    if (!appRole && !orgRole && !permission) throw new Error(`${where(site)} @selfOr: name appRole, orgRole or permission`);
    const orgSource = (args['org'] ?? 'ARG') as Source;
    const orgPath = (args['orgPath'] as string | undefined) ?? 'orgId';
    const orgOf = orgRole || permission ? locator(orgSource, orgPath, site, 'selfOr') : undefined;
    const tests = [orgRole ? roleTest(orgRole) : null, permission ? permissionTest([permission], []) : null].filter((t) => t !== null);
    const mode = (args['deny'] ?? 'ERROR') as DenyMode;

    const others = [
      appRole === 'ADMIN' ? 'app admins' : appRole ? 'signed-in users' : '',
      orgRole ? `the ${orgRole} role or higher in ${describeOrg(orgSource, orgPath)}` : '',
      permission ? `permission ${permission} in ${describeOrg(orgSource, orgPath)}` : '',
    ].filter(Boolean);
    return {
      describe: `Access: the user themself (\`${userPath}\`), or ${others.join(', or ')}${orgOf ? '; app admins always' : ''}.`,
      check: async (input) => {
        const viewer = requireViewer(input.ctx);
        if (userOf(input) === viewer.id) return;
        if (appRole && APP_RANK[viewer.appRole] >= APP_RANK[appRole]) return;
        let deny = new Deny('NOT_SELF', 'Only the user themself or an authorized member may do this.');
        if (orgOf) {
          const orgDeny = await orgDecision(input.ctx, orgOf(input), (m) => {
            for (const test of tests) if (test(m) === null) return null;
            return tests[0]!(m);
          });
          if (!orgDeny) return;
          deny = orgDeny;
        }
        raise(deny, mode, 'The requested object');
      },
    };
  };

  return { requireAppRole, requireOrgRole, requirePermission, selfOr };
}

export type { Guard };
