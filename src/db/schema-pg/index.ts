/**
 * The PostgreSQL table definitions: one file per table file of `../schema/`, same table, column
 * and index names (test/scale/pg-schema.test.ts compares them). Migrations: `migrations/pg`.
 */
export * from './audit.js';
export * from './membership.js';
export * from './org.js';
export * from './user.js';
export * from './idempotency.js';
export * from './intent.js';
export * from './directory.js';
export * from './impersonation.js';
export * from './invitation.js';
