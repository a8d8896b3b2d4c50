import type { DeviceRecord } from '../ports/campaign-store.js';
import type { DeviceReader } from '../ports/devices.js';
import type { GraphGateway } from './graph-gateway.js';

/** `GET /users/{id}/registeredDevices` in `$batch`es of 20 (fewer round trips; each still counts). */
export class GraphDevices implements DeviceReader {
  constructor(private readonly graph: GraphGateway) {}

  async devicesOf(userIds: string[]): Promise<Map<string, DeviceRecord[]>> {
    const out = new Map<string, DeviceRecord[]>();
    const results = await this.graph.batch<{ value?: { operatingSystem?: string; operatingSystemVersion?: string }[] }>(
      userIds.map((id) => ({ method: 'GET' as const, url: `/users/${encodeURIComponent(id)}/registeredDevices?$select=id,operatingSystem,operatingSystemVersion` })),
      { priority: 'background' },
    );
    results.forEach((r, i) => {
      if (r.status !== 200) return;
      out.set(userIds[i]!.toLowerCase(), (r.body.value ?? []).map((d) => ({ operatingSystem: d.operatingSystem ?? '', operatingSystemVersion: d.operatingSystemVersion ?? '' })));
    });
    return out;
  }
}
