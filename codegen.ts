import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema/*.graphql',
  generates: {
    'src/graphql/__generated__/resolvers-types.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        contextType: '../context.js#GraphQLContext',
        mapperTypeSuffix: 'Model',
        mappers: {
          App: '../mappers.js#AppParent',
          User: '../mappers.js#UserParent',
          Device: '../mappers.js#DeviceParent',
          Org: '../mappers.js#OrgParent',
          OrgMembership: '../mappers.js#OrgMembershipParent',
          OrgMemberConnection: '../mappers.js#OrgMemberConnectionParent',
          OrgMemberEdge: '../mappers.js#OrgMemberEdgeParent',
          OrgConnection: '../mappers.js#OrgConnectionParent',
          AuditEvent: '../mappers.js#AuditEventParent',
          AuditEventConnection: '../mappers.js#AuditEventConnectionParent',
          AuditEventEdge: '../mappers.js#AuditEventParent',
          OrgEdge: '../mappers.js#OrgEdgeParent',
          RemoveOrgMemberPayload: '../mappers.js#RemoveOrgMemberPayloadParent',
          UserConnection: '../mappers.js#UserConnectionParent',
          UserEdge: '../mappers.js#UserEdgeParent',
          MagicLink: '../mappers.js#MagicLinkParent',
          OrgInvitation: '../mappers.js#OrgInvitationParent',
          OrgInvitationConnection: '../mappers.js#OrgInvitationConnectionParent',
          OrgInvitationEdge: '../mappers.js#OrgInvitationParent',
          Impersonation: '../mappers.js#ImpersonationParent',
          ImpersonationRevocation: '../mappers.js#ImpersonationRevocationParent',
        },
        scalars: {
          DateTime: { input: 'Date', output: 'Date | string' },
          JSON: 'unknown',
        },
        enumsAsTypes: true,
        useTypeImports: true,
        useIndexSignature: true,
        avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
        maybeValue: 'T | null',
        inputMaybeValue: 'T | null | undefined',
      },
    },
  },
};

export default config;
