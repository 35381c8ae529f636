import { graphql } from './gql';

// Every operation the console sends. Codegen checks each against the schema and types its
// variables and result, so a schema change that breaks one fails `npm run build` here.

export const viewerQuery = graphql(`
  query Viewer {
    app {
      name
    }
    me {
      id
      email
      displayName
      appRole
      impersonator {
        id
        email
      }
      devices {
        id
        friendlyName
        type
        usageCount
        createdAt
      }
      activeOrg {
        org {
          id
        }
      }
      memberships {
        role
        additionalRoles
        permissions
        canReadMembers: hasPermission(permission: "org:members:read")
        org {
          id
          name
          slug
        }
      }
    }
  }
`);

// The server limits query depth (QUERY_MAX_DEPTH), and a fragment spread counts as a level, so
// the audit and invitation fields are written out in each operation rather than shared.

// Everything the console shows about one org. What the viewer may do comes from the server
// (`viewerCan`, answered by the policy the mutations enforce); the console keeps no rank rules.
export const orgDetailsQuery = graphql(`
  query OrgDetails($orgId: ID!, $first: Int!, $query: String, $withMembers: Boolean!) {
    org(id: $orgId) {
      id
      name
      slug
      viewerCan {
        update
        delete
        invite
        assignableRoles
      }
      members(first: $first, query: $query) @include(if: $withMembers) {
        totalCount
        edges {
          node {
            role
            additionalRoles
            viewerCan {
              remove
              changeRole
              transferOwnership
              assignableRoles
            }
            user {
              id
              email
              displayName
            }
          }
        }
      }
    }
  }
`);

export const setActiveOrgMutation = graphql(`
  mutation SetActiveOrg($orgId: ID) {
    setActiveOrg(input: { orgId: $orgId }) {
      id
      activeOrg {
        org {
          id
        }
      }
    }
  }
`);

export const orgBySlugQuery = graphql(`
  query OrgBySlug($slug: String!) {
    orgBySlug(slug: $slug) {
      id
      name
      slug
    }
  }
`);

export const updateOrgSlugMutation = graphql(`
  mutation UpdateOrgSlug($id: ID!, $slug: String!) {
    updateOrg(id: $id, input: { slug: $slug }) {
      id
      slug
    }
  }
`);

export const deleteOrgMutation = graphql(`
  mutation DeleteOrg($id: ID!) {
    deleteOrg(id: $id) {
      deletedOrgId
    }
  }
`);

export const transferOwnershipMutation = graphql(`
  mutation TransferOrgOwnership($orgId: ID!, $userId: ID!) {
    transferOrgOwnership(input: { orgId: $orgId, userId: $userId }) {
      role
      user {
        id
      }
    }
  }
`);

export const adminOrgsQuery = graphql(`
  query AdminOrgs($first: Int!, $query: String) {
    orgs(first: $first, query: $query) {
      totalCount
      edges {
        node {
          id
          name
          slug
          createdAt
        }
      }
    }
  }
`);

export const auditLogQuery = graphql(`
  query AuditLog($first: Int!, $after: String, $filter: AuditLogFilter) {
    auditLog(first: $first, after: $after, filter: $filter) {
      edges {
        node {
          id
          at
          action
          outcome
          errorCode
          actor {
            id
            email
          }
          target {
            type
            id
          }
          org {
            id
            name
          }
          changes
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const orgAuditLogQuery = graphql(`
  query OrgAuditLog($orgId: ID!, $first: Int!, $after: String) {
    org(id: $orgId) {
      id
      auditLog(first: $first, after: $after) {
        edges {
          node {
            id
            at
            action
            outcome
            errorCode
            actor {
              id
              email
            }
            target {
              type
              id
            }
            org {
              id
              name
            }
            changes
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`);

export const createOrgMutation = graphql(`
  mutation CreateOrg($name: String!) {
    createOrg(input: { name: $name }) {
      id
      name
    }
  }
`);

export const changeRoleMutation = graphql(`
  mutation ChangeMemberRole($orgId: ID!, $userId: ID!, $role: String!) {
    changeOrgMemberRole(orgId: $orgId, userId: $userId, role: $role) {
      role
      user {
        id
      }
    }
  }
`);

export const removeMemberMutation = graphql(`
  mutation RemoveMember($orgId: ID!, $userId: ID!) {
    removeOrgMember(orgId: $orgId, userId: $userId) {
      orgId
      removedUserId
    }
  }
`);

export const usersQuery = graphql(`
  query AdminUsers($first: Int!, $query: String) {
    users(first: $first, query: $query) {
      totalCount
      edges {
        node {
          id
          email
          displayName
          status
          appRole
          createdAt
        }
      }
    }
  }
`);

export const activateUserMutation = graphql(`
  mutation ActivateUser($id: ID!) {
    activateUser(id: $id) {
      id
      status
    }
  }
`);

export const deactivateUserMutation = graphql(`
  mutation DeactivateUser($id: ID!) {
    deactivateUser(id: $id) {
      id
      status
    }
  }
`);

export const deleteUserMutation = graphql(`
  mutation DeleteUser($id: ID!) {
    deleteUser(id: $id) {
      deletedUserId
    }
  }
`);

export const createMagicLinkMutation = graphql(`
  mutation CreateMagicLink($email: String!) {
    createMagicLink(input: { email: $email, redirectUrl: "/console/" }) {
      id
      url
      identifier
      ttl
      userId
    }
  }
`);

export const myInvitationsQuery = graphql(`
  query MyInvitations {
    me {
      id
      invitations {
        id
        orgName
        email
        role
        additionalRoles
        status
        delivery
        createdAt
        expiresAt
        invitedBy {
          id
          email
        }
      }
    }
  }
`);

export const orgInvitationsQuery = graphql(`
  query OrgInvitations($orgId: ID!, $first: Int!) {
    org(id: $orgId) {
      id
      invitations(first: $first) {
        totalCount
        edges {
          node {
            id
            orgName
            email
            role
            additionalRoles
            status
            delivery
            createdAt
            expiresAt
            invitedBy {
              id
              email
            }
          }
        }
      }
    }
  }
`);

export const inviteMemberMutation = graphql(`
  mutation InviteOrgMember($orgId: ID!, $email: String!, $role: String!) {
    inviteOrgMember(input: { orgId: $orgId, email: $email, role: $role }) {
      id
      orgName
      email
      role
      additionalRoles
      status
      delivery
      createdAt
      expiresAt
      invitedBy {
        id
        email
      }
    }
  }
`);

export const revokeInvitationMutation = graphql(`
  mutation RevokeOrgInvitation($id: ID!) {
    revokeOrgInvitation(input: { id: $id }) {
      id
      status
    }
  }
`);

export const resendInvitationMutation = graphql(`
  mutation ResendOrgInvitation($id: ID!) {
    resendOrgInvitation(input: { id: $id }) {
      id
      status
      delivery
      expiresAt
    }
  }
`);

export const acceptInvitationMutation = graphql(`
  mutation AcceptOrgInvitation($token: String, $id: ID) {
    acceptOrgInvitation(input: { token: $token, id: $id }) {
      role
      org {
        id
        name
        slug
      }
    }
  }
`);

export const declineInvitationMutation = graphql(`
  mutation DeclineOrgInvitation($token: String, $id: ID) {
    declineOrgInvitation(input: { token: $token, id: $id }) {
      id
      orgName
      status
    }
  }
`);

export const impersonateUserMutation = graphql(`
  mutation ImpersonateUser($userId: ID!, $reason: String!) {
    impersonateUser(input: { userId: $userId, reason: $reason }) {
      token
      expiresAt
      user {
        id
        email
      }
    }
  }
`);

export const revokeImpersonationMutation = graphql(`
  mutation RevokeImpersonation($token: String!) {
    revokeImpersonation(input: { token: $token }) {
      revokedAt
    }
  }
`);
