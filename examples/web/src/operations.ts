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
      devices {
        id
        friendlyName
        type
        usageCount
        createdAt
      }
      memberships {
        role
        inheritedRoles
        permissions
        canReadMembers: hasPermission(permission: "org:members:read")
        canChangeRoles: hasPermission(permission: "org:members:change_role")
        canRemoveMembers: hasPermission(permission: "org:members:remove")
        org {
          id
          name
        }
      }
    }
  }
`);

export const orgMembersQuery = graphql(`
  query OrgMembers($orgId: ID!, $viewerRole: String!, $first: Int!) {
    org(id: $orgId) {
      id
      members(first: $first) {
        totalCount
        edges {
          node {
            role
            inheritedRoles
            atLeastViewer: isAtLeast(role: $viewerRole)
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
