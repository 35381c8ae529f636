import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema/index.ts',
  // A dialect folder leaves room for PostgreSQL migrations beside these later.
  out: './migrations/sqlite',
  strict: true,
  verbose: true,
});
