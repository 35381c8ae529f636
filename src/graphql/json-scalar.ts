import { GraphQLError, GraphQLScalarType, Kind, print, type ValueNode } from 'graphql';

/** Deepest JSON input accepted: arrays and objects nested at most this many levels. */
export const JSON_MAX_DEPTH = 32;
/** Largest JSON input accepted, in (approximate) bytes of its JSON text. */
export const JSON_MAX_BYTES = 65_536;

const invalid = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

/**
 * Measures a JSON value without recursion (an explicit stack), so a value nested 20,000 deep is
 * refused instead of overflowing the call stack in whatever walks it next (coercion, hashing,
 * `JSON.stringify`). Stops at the first bound crossed: the work is bounded by the limits.
 */
export function assertJsonBounds(value: unknown, limits = { maxDepth: JSON_MAX_DEPTH, maxBytes: JSON_MAX_BYTES }): void {
  const stack: Array<[unknown, number]> = [[value, 0]];
  let bytes = 0;
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item !== null && typeof item === 'object') {
      if (depth >= limits.maxDepth) throw invalid(`JSON input may be nested at most ${limits.maxDepth} levels deep.`);
      const entries = Array.isArray(item) ? item : Object.entries(item as Record<string, unknown>);
      bytes += 2;
      for (const entry of entries) {
        if (Array.isArray(item)) {
          stack.push([entry, depth + 1]);
          bytes += 1;
        } else {
          const [key, child] = entry as [string, unknown];
          stack.push([child, depth + 1]);
          bytes += key.length + 4;
        }
      }
    } else if (typeof item === 'string') {
      bytes += item.length + 2;
    } else if (typeof item === 'number' || typeof item === 'boolean') {
      bytes += String(item).length;
    } else if (item === null) {
      bytes += 4;
    } else {
      throw invalid('JSON input must be made of objects, arrays, strings, numbers, booleans and null.');
    }
    if (bytes > limits.maxBytes) throw invalid(`JSON input may be at most ${limits.maxBytes} bytes.`);
  }
}

/**
 * A literal in the document as a plain JavaScript value. Objects get an ordinary prototype
 * (graphql-scalars builds null-prototype objects, which the database layer cannot store), and
 * keys are defined as own properties, so a `__proto__` key stays data. Recursion is bounded by
 * the depth check.
 */
function fromLiteral(node: ValueNode, variables: Record<string, unknown> | null | undefined, depth: number): unknown {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    case Kind.ENUM:
      return node.value;
    case Kind.VARIABLE:
      return variables?.[node.name.value];
    case Kind.LIST:
    case Kind.OBJECT: {
      if (depth >= JSON_MAX_DEPTH) throw invalid(`JSON input may be nested at most ${JSON_MAX_DEPTH} levels deep.`);
      if (node.kind === Kind.LIST) return node.values.map((v) => fromLiteral(v, variables, depth + 1));
      const object: Record<string, unknown> = {};
      for (const field of node.fields) {
        Object.defineProperty(object, field.name.value, {
          value: fromLiteral(field.value, variables, depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return object;
    }
    default:
      throw invalid(`Not a JSON value: ${print(node)}`);
  }
}

/**
 * `JSON`: any JSON value, the same whether written inline in the document or sent as a
 * variable. Input is bounded in depth (`JSON_MAX_DEPTH`) and size (`JSON_MAX_BYTES`), checked
 * before anything walks it recursively.
 */
export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  // Kept identical to the SDL's description (schema/base.graphql), which this one replaces.
  description:
    `Arbitrary JSON: an object, array, string, number, boolean or null. As input it may nest at most ${JSON_MAX_DEPTH}\n` +
    `levels and be at most ${JSON_MAX_BYTES / 1024} KB: more is \`BAD_USER_INPUT\` in a variable, a validation error inline.`,
  serialize: (value) => value,
  parseValue: (value) => {
    assertJsonBounds(value);
    return value;
  },
  parseLiteral: (node, variables) => {
    const value = fromLiteral(node, variables, 0);
    // Variables inside a literal may add depth or size of their own.
    assertJsonBounds(value);
    return value;
  },
});
