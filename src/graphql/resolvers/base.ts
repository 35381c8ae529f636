import { DateTimeResolver } from 'graphql-scalars';
import { JSONScalar } from '../json-scalar.js';
import type { Resolvers } from '../__generated__/resolvers-types.js';

export const scalars: Resolvers = { DateTime: DateTimeResolver, JSON: JSONScalar };
