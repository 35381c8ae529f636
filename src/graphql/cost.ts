import {
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  getNullableType,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isCompositeType,
  isListType,
  isUnionType,
  Kind,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * The cost of an operation, computed with the request's coerced variables (schema defaults
 * applied), so `members(first: $n)` costs what `members(first: 100)` costs.
 *
 * - every field costs 1; `__typename` and introspection cost nothing;
 * - a field returning an object costs 1 plus its selection, times the number of objects it can
 *   return: 1 for a single object; for a list, its `first` argument, or the `first` of the
 *   connection field right above it (`members(first: 50) { edges { ... } }`), or
 *   `defaultListSize` when neither exists;
 * - fields skipped by `@skip`/`@include` cost nothing; fragments cost what they select.
 */
export type CostModel = { defaultListSize: number };

export const DEFAULT_COST_MODEL: CostModel = { defaultListSize: 10 };

export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  model: CostModel = DEFAULT_COST_MODEL,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;

  const included = (node: { directives?: readonly DirectiveNode[] }) => {
    if (!node.directives?.length) return true;
    if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.['if'] === true) return false;
    return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.['if'] !== false;
  };

  // Fragments cannot form cycles (validation refuses them), so this recursion follows the
  // document's own nesting, which the depth and token limits bound.
  const selectionCost = (parent: GraphQLCompositeType, set: SelectionSetNode, connectionSize: number | null): number => {
    let total = 0;
    for (const selection of set.selections) {
      if (!included(selection)) continue;
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (fragment) total += selectionCost(typeOf(fragment.typeCondition?.name.value) ?? parent, fragment.selectionSet, connectionSize);
        continue;
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        total += selectionCost(typeOf(selection.typeCondition?.name.value) ?? parent, selection.selectionSet, connectionSize);
        continue;
      }
      const name = selection.name.value;
      if (name.startsWith('__')) continue;
      const field = fieldOf(parent, name);
      if (!field) continue;
      const named = getNamedType(field.type);
      if (!selection.selectionSet || !isCompositeType(named)) {
        total += 1;
        continue;
      }
      const first = firstArgument(field, selection, variables);
      const list = isListType(getNullableType(field.type));
      const size = list ? (first ?? connectionSize ?? model.defaultListSize) : 1;
      // A connection's `first` sizes the list right below it (its `edges`), not the connection.
      const below = !list && first !== null ? first : null;
      total += 1 + size * selectionCost(named, selection.selectionSet, below);
    }
    return total;
  };

  const typeOf = (name: string | undefined): GraphQLCompositeType | undefined => {
    const type = name ? schema.getType(name) : undefined;
    return type && isCompositeType(type) ? type : undefined;
  };

  return selectionCost(root, operation.selectionSet, null);
}

function fieldOf(parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  // A union has no fields of its own (only __typename, which costs nothing).
  return isUnionType(parent) ? undefined : parent.getFields()[name];
}

/** The field's `first` argument after coercion (literal, variable or schema default); null when it has none. */
function firstArgument(field: GraphQLField<unknown, unknown>, node: FieldNode, variables: Record<string, unknown>): number | null {
  if (!field.args.some((a) => a.name === 'first')) return null;
  let value: unknown;
  try {
    value = getArgumentValues(field, node, variables)['first'];
  } catch {
    // An argument that does not coerce fails the request at execution; price it at the default.
    return null;
  }
  return typeof value === 'number' && Number.isFinite(value) ? Math.max(0, value) : null;
}
