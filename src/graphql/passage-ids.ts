import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import { defaultFieldResolver, getNamedType, isInputObjectType, isListType, isNonNullType, type GraphQLInputType, type GraphQLSchema } from 'graphql';
import { validPassageId } from '../services/validation.js';

/** The SDL directive that marks an argument or input field as a Passage object id. */
export const PASSAGE_ID_DIRECTIVE = 'passageId';

/** Checks one argument value; throws `BAD_USER_INPUT` naming the offending field. */
type Check = (value: unknown) => void;

/**
 * Enforces `@passageId` on every argument and input field that carries it, before anything else
 * of the field runs (access rules, rate limits, the resolver), so a malformed id costs no
 * upstream call and no allowance. The check itself is `validPassageId`, the same one services
 * use; the Passage client refuses such ids again as a last line.
 */
export function checkPassageIds(schema: GraphQLSchema): GraphQLSchema {
  const marked = (node: Parameters<typeof getDirective>[1]) => (getDirective(schema, node, PASSAGE_ID_DIRECTIVE) ?? []).length > 0;

  const assertIdType = (type: GraphQLInputType, where: string) => {
    const named = getNamedType(type);
    if (named.name !== 'ID' && named.name !== 'String') throw new Error(`${where} @${PASSAGE_ID_DIRECTIVE}: only ID or String can hold an id`);
  };

  // Input objects are checked through their marked fields; a cycle of input types is cut by
  // building each type's check once and reading it lazily.
  const inputChecks = new Map<string, Check | null>();
  const checkForInput = (typeName: string): Check | null => {
    if (inputChecks.has(typeName)) return inputChecks.get(typeName)!;
    inputChecks.set(typeName, null);
    const type = schema.getType(typeName);
    if (!isInputObjectType(type)) return null;
    const parts: Array<[string, Check]> = [];
    for (const field of Object.values(type.getFields())) {
      const check = checkFor(field.type, marked(field), `${typeName}.${field.name}`, field.name);
      if (check) parts.push([field.name, check]);
    }
    const check: Check | null =
      parts.length === 0
        ? null
        : (value) => {
            if (value === null || typeof value !== 'object') return;
            for (const [name, part] of parts) part((value as Record<string, unknown>)[name]);
          };
    inputChecks.set(typeName, check);
    return check;
  };

  const checkFor = (type: GraphQLInputType, isId: boolean, where: string, field: string): Check | null => {
    if (isId) {
      assertIdType(type, where);
      return each(type, (v) => validPassageId(v, field));
    }
    const named = getNamedType(type);
    if (!isInputObjectType(named)) return null;
    const inner = checkForInput(named.name);
    return inner ? each(type, (v) => inputChecks.get(named.name)?.(v)) : null;
  };

  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      const checks: Array<[string, Check]> = [];
      for (const [name, arg] of Object.entries(field.args ?? {})) {
        const check = checkFor(arg.type, marked(arg), `${typeName}.${fieldName}(${name})`, name);
        if (check) checks.push([name, check]);
      }
      if (checks.length === 0) return field;
      const resolve = field.resolve ?? defaultFieldResolver;
      return {
        ...field,
        resolve(source, args: Record<string, unknown>, ctx, info) {
          for (const [name, check] of checks) check(args[name]);
          return resolve(source, args, ctx, info);
        },
      };
    },
  });
}

/** Applies a check to a value, or to each item when the type is a list; null is left alone. */
function each(type: GraphQLInputType, check: Check): Check {
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) {
    const item = each(inner.ofType, check);
    return (value) => {
      if (Array.isArray(value)) for (const v of value) item(v);
    };
  }
  return (value) => {
    if (value !== null && value !== undefined) check(value);
  };
}
