import { spawnSync } from 'node:child_process';
import { buildSchema, isEnumType, isInputObjectType, isInterfaceType, isObjectType, parse, type GraphQLSchema } from 'graphql';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { describe, expect, it } from 'vitest';
import { rootFieldsWithoutAccess } from '../src/graphql/directives.js';
import { allGuards, createSchema, loadTypeDefs } from '../src/graphql/schema.js';

const guardNames = Object.keys(allGuards());

describe('schema access coverage', () => {
  it('gives every root field an access directive', () => {
    const schema = makeExecutableSchema({ typeDefs: loadTypeDefs() });
    expect(rootFieldsWithoutAccess(schema, guardNames)).toEqual([]);
  });

  it('detects a root field without one (the check itself works)', () => {
    const typeDefs = [...loadTypeDefs(), 'extend type Query { leaky: String }'];
    const schema = makeExecutableSchema({ typeDefs });
    expect(rootFieldsWithoutAccess(schema, guardNames)).toEqual(['Query.leaky']);
  });
});

describe('schema descriptions', () => {
  const described = (schema: GraphQLSchema) => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) continue;
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : []) if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
      if (isEnumType(type)) for (const v of type.getValues()) if (!v.description) missing.push(`${type.name}.${v.name}`);
    }
    for (const d of schema.getDirectives()) if (!d.description) missing.push(`@${d.name}`);
    return missing;
  };

  it('describes every public type, field, argument, enum value and directive', () => {
    expect(described(createSchema())).toEqual([]);
  });

  it('states the access rule in each guarded field description', () => {
    const schema = createSchema();
    expect(schema.getMutationType()!.getFields()['updateMe']!.description).toContain('Access: signed-in users.');
    expect(schema.getQueryType()!.getFields()['me']!.description).toContain('Access: anyone');
  });
});

describe('npm run -s schema:print', () => {
  it('prints the merged SDL with its directives', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/graphql/print-schema.ts'], { encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(0);
    expect(() => parse(result.stdout)).not.toThrow();
    expect(result.stdout).toContain('directive @authenticated');
    expect(result.stdout).toMatch(/updateMe\([^)]*input: UpdateMeInput!\s*\): User! @authenticated/);
    expect(() => buildSchema(result.stdout)).not.toThrow();
  });
});
