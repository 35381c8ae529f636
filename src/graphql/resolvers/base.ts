import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import type { Resolvers } from '../__generated__/resolvers-types.js';

export const scalars: Resolvers = { DateTime: DateTimeResolver, JSON: JSONResolver };
