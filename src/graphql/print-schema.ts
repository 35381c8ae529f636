import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { createSchema } from './schema.js';

/** `npm run -s schema:print`: the merged SDL with its access directives, for client codegen. */
process.stdout.write(`${printSchemaWithDirectives(createSchema())}\n`);
