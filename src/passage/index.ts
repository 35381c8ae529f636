export { PassageClient, type PassageCallInfo, type PassageClientOptions } from './client.js';
export { PassageError, isPassageNotFound, isPassageUnavailable } from './errors.js';
export type {
  CreateMagicLinkInput,
  CreateUserInput,
  ListUsersParams,
  MagicLinkChannel,
  MagicLinkType,
  PassageApp,
  PassageDevice,
  PassageMagicLink,
  PassageUser,
  PassageUserListItem,
  PassageUserPage,
  PassageUserStatus,
  UpdateUserInput,
} from './types.js';
