import type { DeviceRecord } from './campaign-store.js';

/** People's registered devices (operating system and version), for readiness. */
export interface DeviceReader {
  /** Devices per user id; users that no longer exist are left out. */
  devicesOf(userIds: string[]): Promise<Map<string, DeviceRecord[]>>;
}
