export * from './audit.js';
export * from './membership.js';
export * from './org.js';
export * from './user.js';
export * from './idempotency.js';
export * from './intent.js';
export * from './directory.js';
export * from './invitation.js';
