import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled, ApolloServerPluginUsageReportingDisabled, ApolloServerPluginSchemaReportingDisabled } from '@apollo/server/plugin/disabled';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type { RequestListener } from 'node:http';
import { createContext, type AppDeps, type GraphQLContext, type Services } from './graphql/context.js';
import { PUBLIC_CODES } from './graphql/errors.js';
import { createSchema } from './graphql/schema.js';
import { createRequestHandler, type ExtraRoutes } from './http/server.js';
import { UserService } from './services/user.js';
import { OrgService } from './services/org.js';
import { MembershipService } from './services/membership.js';
import { DEFAULT_ROLES, loadRolesFile, Roles } from './auth/roles.js';

export type App = {
  /** The node:http listener: /graphql, /healthz, /readyz. */
  handler: RequestListener;
  schema: GraphQLSchema;
  apollo: ApolloServer<GraphQLContext>;
  services: Services;
  /** Readiness turns false at once; in-flight requests finish. */
  beginShutdown(): void;
  stop(): Promise<void>;
};

export type AppOptions = {
  /** Extra HTTP routes beside /graphql; dev mode mounts the web console and the dev sign-in. */
  routes?: ExtraRoutes;
};

/**
 * Builds the whole server from its collaborators. No listening, no signal handlers, no timers:
 * the caller owns the process, so tests run the real app in-process.
 */
export async function createApp(deps: AppDeps, options: AppOptions = {}): Promise<App> {
  const roles = new Roles(deps.config.rolesFile ? loadRolesFile(deps.config.rolesFile) : DEFAULT_ROLES);
  const memberships = new MembershipService({ database: deps.database, roles });
  const services: Services = {
    users: new UserService({ database: deps.database, adminUserIds: deps.config.adminUserIds, passage: deps.passage, memberships }),
    orgs: new OrgService({ database: deps.database, roles }),
    memberships,
    roles,
  };
  const schema = createSchema({ roles });
  const production = deps.config.nodeEnv === 'production';

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: deps.config.introspection,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: production,
    stopOnTerminationSignals: false,
    status400ForVariableCoercionErrors: true,
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    logger: deps.log,
    formatError: maskUnexpected,
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      {
        async requestDidStart() {
          return {
            async didEncounterErrors({ errors, contextValue }) {
              for (const error of errors) {
                const original = unwrapResolverError(error);
                if (!isPublic(error)) {
                  // The client sees a masked error; the log keeps the real one with the request id.
                  contextValue?.log?.error({ err: original, path: error.path }, 'unexpected error');
                }
              }
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  let shuttingDown = false;
  const handler = createRequestHandler({
    apollo,
    log: deps.log,
    database: deps.database,
    isShuttingDown: () => shuttingDown,
    landingPage: !production,
    context: (req) => createContext(deps, services, req),
    routes: options.routes,
  });

  return {
    handler,
    schema,
    apollo,
    services,
    beginShutdown: () => {
      shuttingDown = true;
    },
    stop: () => apollo.stop(),
  };
}

function isPublic(error: GraphQLError | GraphQLFormattedError): boolean {
  const code = error.extensions?.['code'];
  return typeof code === 'string' && PUBLIC_CODES.has(code);
}

/** Only errors we raised on purpose keep their message; anything else becomes a bare 500-class error. */
function maskUnexpected(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (isPublic(formatted) && (original instanceof GraphQLError || !(original instanceof Error))) {
    const { http: _http, stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  return {
    message: 'Internal server error',
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}

