import {
  getNamedType,
  getNullableType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
  type GraphQLArgumentConfig,
  type GraphQLInputType,
} from 'graphql';
import * as policy from '../auth/policy.js';
import type { AppRoleName, Decision, Denial, OrgTest } from '../auth/policy.js';
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

function raise(denial: Denial, mode: DenyMode, what: string): never {
  if (mode === 'NOT_FOUND') throw notFound(what);
  throw forbidden(denial.reason, denial.message, { ...denial.details });
}

/**
 * The policy's decision on the viewer's standing in an org; app admins pass without a look-up.
 * Synchronous once the request knows the viewer's membership there (every row of a page after
 * the first), so a page of guarded objects does not cost a promise per row.
 */
function orgDecision(ctx: GraphQLContext, orgId: unknown, test: OrgTest): Decision | Promise<Decision> {
  const viewer = requireViewer(ctx);
  if (policy.passesEveryOrgRule(viewer)) return null;
  if (typeof orgId !== 'string' || orgId === '') return policy.orgUnresolved();
  const known = ctx.authz.knownMembership?.(orgId);
  if (known !== undefined) return policy.inOrg(viewer, orgId, known, test);
  return ctx.authz.membership(orgId).then((membership) => policy.inOrg(viewer, orgId, membership, test));
}

/** Raises the denial, now or once the decision is known. */
function enforceOrg(decision: Decision | Promise<Decision>, mode: DenyMode): void | Promise<void> {
  if (decision instanceof Promise) {
    return decision.then((deny) => {
      if (deny) raise(deny, mode, 'The organization');
    });
  }
  if (decision) raise(decision, mode, 'The organization');
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
  const requireAppRole: GuardFactory = (args) => {
    const atLeast = args['atLeast'] as AppRoleName;
    return {
      describe: atLeast === 'ADMIN' ? 'Access: app admins.' : 'Access: signed-in users.',
      check: ({ ctx }) => {
        const denial = policy.requireAppRole(requireViewer(ctx), atLeast);
        if (denial) raise(denial, 'ERROR', 'The requested object');
      },
    };
  };

  const requireOrgRole: GuardFactory = (args, site) => {
    const role = knownRole(args['atLeast'], site, 'requireOrgRole');
    const source = (args['org'] ?? 'ARG') as Source;
    const path = (args['path'] as string | undefined) ?? (source === 'ARG' ? 'orgId' : 'id');
    const mode = (args['deny'] ?? 'ERROR') as DenyMode;
    const orgOf = locator(source, path, site, 'requireOrgRole');
    const test = policy.atLeastRole(roles, role);
    return {
      describe: `Access: the ${role} role or higher in ${describeOrg(source, path)}; app admins always.${mode === 'NOT_FOUND' ? ' Others get NOT_FOUND.' : ''}`,
      check: (input) => enforceOrg(orgDecision(input.ctx, orgOf(input), test), mode),
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
    const test = policy.withPermissions(all, any);
    const rule = [all.length ? `permission ${all.join(' and ')}` : '', any.length ? `one of ${any.join(', ')}` : ''].filter(Boolean).join(' and ');
    return {
      describe: `Access: ${rule} in ${describeOrg(source, path)}; app admins always.${mode === 'NOT_FOUND' ? ' Others get NOT_FOUND.' : ''}`,
      check: (input) => enforceOrg(orgDecision(input.ctx, orgOf(input), test), mode),
    };
  };

  const selfOr: GuardFactory = (args, site) => {
    const userSource = (args['user'] ?? 'ARG') as Source;
    const userPath = (args['path'] as string | undefined) ?? 'userId';
    const userOf = locator(userSource, userPath, site, 'selfOr');
    const appRole = args['appRole'] as AppRoleName | undefined;
    const orgRole = args['orgRole'] === undefined ? undefined : knownRole(args['orgRole'], site, 'selfOr');
    const permission = args['permission'] === undefined ? undefined : knownPermissions([args['permission']], site, 'selfOr')[0];
    const sharesOrg = args['sharesOrg'] === true;
    if (!appRole && !orgRole && !permission && !sharesOrg) throw new Error(`${where(site)} @selfOr: name appRole, orgRole, permission or sharesOrg`);
    const orgSource = (args['org'] ?? 'ARG') as Source;
    const orgPath = (args['orgPath'] as string | undefined) ?? 'orgId';
    const orgOf = orgRole || permission ? locator(orgSource, orgPath, site, 'selfOr') : undefined;
    const tests = [orgRole ? policy.atLeastRole(roles, orgRole) : null, permission ? policy.withPermissions([permission]) : null].filter((t) => t !== null);
    const orgTest = tests.length > 0 ? policy.eitherOf(tests) : undefined;
    const mode = (args['deny'] ?? 'ERROR') as DenyMode;

    const others = [
      appRole === 'ADMIN' ? 'app admins' : appRole ? 'signed-in users' : '',
      orgRole ? `the ${orgRole} role or higher in ${describeOrg(orgSource, orgPath)}` : '',
      permission ? `permission ${permission} in ${describeOrg(orgSource, orgPath)}` : '',
      sharesOrg ? 'members of an organization the user belongs to' : '',
    ].filter(Boolean);
    return {
      describe: `Access: the user themself (\`${userPath}\`), or ${others.join(', or ')}${orgOf ? '; app admins always' : ''}.`,
      // Synchronous whenever the answer is already known in this request (see orgDecision).
      check: (input) => {
        const viewer = requireViewer(input.ctx);
        const userId = userOf(input);
        if (userId === viewer.id) return;
        if (appRole && policy.requireAppRole(viewer, appRole) === null) return;
        const inOrg = (denial: Denial): void | Promise<void> => {
          if (!orgOf) raise(denial, mode, 'The requested object');
          const decision = orgDecision(input.ctx, orgOf(input), orgTest!);
          const settle = (orgDenial: Decision) => {
            if (orgDenial) raise(orgDenial, mode, 'The requested object');
          };
          return decision instanceof Promise ? decision.then(settle) : settle(decision);
        };
        if (sharesOrg && typeof userId === 'string' && userId !== '') {
          const afterSharing = (shares: boolean): void | Promise<void> => {
            if (policy.userVisibility(viewer, userId, shares) !== 'NONE') return;
            return inOrg(policy.noSharedOrg());
          };
          // The impersonating admin sees themself through the session (me.impersonator).
          if (viewer.impersonatorId === userId) return afterSharing(true);
          const known = input.ctx.authz.knownSharesOrg?.(userId);
          return known !== undefined ? afterSharing(known) : input.ctx.authz.sharesOrg(userId).then(afterSharing);
        }
        return inOrg(policy.notSelf());
      },
    };
  };

  return { requireAppRole, requireOrgRole, requirePermission, selfOr };
}

export type { Guard };
