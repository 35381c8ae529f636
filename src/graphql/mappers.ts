import type { UserRow } from '../db/schema/index.js';
import type { PassageDevice } from '../passage/types.js';

/**
 * What resolvers receive as `parent` for each GraphQL object type. Codegen reads these through
 * `mappers` in codegen.ts. A `User` parent is the local row: Passage-backed fields load
 * through the request's DataLoaders, so a Passage outage only nulls those fields.
 */
export type AppParent = { id: string };
export type UserParent = UserRow;
export type DeviceParent = PassageDevice;
