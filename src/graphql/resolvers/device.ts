import type { DeviceResolvers, DeviceType } from '../__generated__/resolvers-types.js';

const TYPES: Record<string, DeviceType> = { passkey: 'PASSKEY', security_key: 'SECURITY_KEY', platform: 'PLATFORM' };

export const Device: DeviceResolvers = {
  id: (device) => device.id,
  friendlyName: (device) => device.friendlyName,
  type: (device) => TYPES[device.type] ?? 'OTHER',
  usageCount: (device) => device.usageCount,
  createdAt: (device) => device.createdAt,
  lastLoginAt: (device) => device.lastLoginAt,
};
