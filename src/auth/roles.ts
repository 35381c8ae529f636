import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Org role definitions: ranked roles, each adding permissions to those of every role ranked
 * below it (PropelAuth's single-role hierarchy). The top-ranked role is the owner role: the
 * creator of an org gets it and an org must always keep one.
 */
export type RoleDefinition = { name: string; rank: number; permissions: readonly string[] };

export const DEFAULT_ROLES: readonly RoleDefinition[] = [
  { name: 'Member', rank: 100, permissions: ['org:read', 'org:members:read'] },
  {
    name: 'Admin',
    rank: 200,
    permissions: ['org:update', 'org:members:invite', 'org:members:remove', 'org:members:change_role'],
  },
  { name: 'Owner', rank: 300, permissions: ['org:delete', 'org:audit:read'] },
];

const rolesFileSchema = z
  .object({
    roles: z
      .array(
        z
          .object({
            name: z.string().regex(/^[A-Za-z][A-Za-z0-9 _-]{0,49}$/, 'role names are 1-50 letters, digits, spaces, _ or -'),
            rank: z.number().int().min(1).max(1_000_000),
            permissions: z.array(z.string().regex(/^[a-z][a-z0-9_:.-]{0,99}$/, 'permissions are lower-case words joined by : . _ -')),
          })
          .strict(),
      )
      .min(1),
  })
  .strict()
  .superRefine((value, ctx) => {
    const names = new Set<string>();
    const ranks = new Set<number>();
    value.roles.forEach((role, i) => {
      if (names.has(role.name)) ctx.addIssue({ code: 'custom', path: ['roles', i, 'name'], message: `duplicate role "${role.name}"` });
      if (ranks.has(role.rank)) ctx.addIssue({ code: 'custom', path: ['roles', i, 'rank'], message: `duplicate rank ${role.rank}` });
      names.add(role.name);
      ranks.add(role.rank);
    });
  });

export class RolesFileError extends Error {
  override readonly name = 'RolesFileError';
}

/** Reads and validates `ROLES_FILE`; any problem stops start-up with every issue listed. */
export function loadRolesFile(path: string): RoleDefinition[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new RolesFileError(`ROLES_FILE ${path}: ${(err as Error).message}`);
  }
  const parsed = rolesFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new RolesFileError(`ROLES_FILE ${path} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return parsed.data.roles;
}

export type RoleSummary = {
  /** The primary role plus additional roles, as assigned. */
  assigned: readonly string[];
  /** The highest rank among the assigned roles. */
  rank: number;
  /** Every role at or below that rank, highest first (PropelAuth's "inherited roles plus current"). */
  inheritedRoles: readonly string[];
  permissions: ReadonlySet<string>;
};

export class Roles {
  readonly #byName: ReadonlyMap<string, RoleDefinition & { effective: ReadonlySet<string> }>;
  /** Highest rank first. */
  readonly ordered: readonly RoleDefinition[];
  readonly permissions: ReadonlySet<string>;

  constructor(definitions: readonly RoleDefinition[] = DEFAULT_ROLES) {
    this.ordered = [...definitions].sort((a, b) => b.rank - a.rank);
    const byName = new Map<string, RoleDefinition & { effective: ReadonlySet<string> }>();
    for (const role of this.ordered) {
      const effective = new Set(this.ordered.filter((r) => r.rank <= role.rank).flatMap((r) => r.permissions));
      byName.set(role.name, { ...role, effective });
    }
    this.#byName = byName;
    this.permissions = new Set(definitions.flatMap((r) => r.permissions));
  }

  /** The role every org must keep at least one member of. */
  get ownerRole(): string {
    return this.ordered[0]!.name;
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  rankOf(name: string): number {
    return this.#byName.get(name)?.rank ?? 0;
  }

  summarize(role: string, additionalRoles: readonly string[] = []): RoleSummary {
    const assigned = [role, ...additionalRoles.filter((r) => r !== role)];
    const known = assigned.map((name) => this.#byName.get(name)).filter((r) => r !== undefined);
    const rank = Math.max(0, ...known.map((r) => r.rank));
    const permissions = new Set(known.flatMap((r) => [...r.effective]));
    const inheritedRoles = this.ordered.filter((r) => r.rank <= rank).map((r) => r.name);
    return { assigned, rank, inheritedRoles, permissions };
  }
}
