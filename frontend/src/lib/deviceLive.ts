// The messages a browser receives while it watches a remote device
// (WS /api/projects/{project_id}/devices/{device_id}/live).

export interface LiveStatus {
  type: 'status';
  connected: boolean;
  device_id: string;
  name?: string;
  frequency_hz?: number;
  axes?: Array<{ name: string; units: string }>;
}
export interface LiveSamples {
  type: 'samples';
  values: number[][];
  /** Messages this browser missed so far because it read too slowly. */
  dropped?: number;
}
export interface LiveError {
  type: 'error';
  message: string;
}
export type LiveMessage = LiveStatus | LiveSamples | LiveError;

/** A message as the server sends it, or null for anything else (never throws). */
export function parseLiveMessage(data: unknown): LiveMessage | null {
  if (typeof data !== 'string') return null;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const message = value as Record<string, unknown>;
  if (message.type === 'samples' && Array.isArray(message.values)) {
    const rows = message.values.filter(
      (row): row is number[] => Array.isArray(row) && row.every((v) => typeof v === 'number'),
    );
    return {
      type: 'samples',
      values: rows,
      dropped: typeof message.dropped === 'number' ? message.dropped : undefined,
    };
  }
  if (message.type === 'status' && typeof message.connected === 'boolean') {
    return message as unknown as LiveStatus;
  }
  if (message.type === 'error' && typeof message.message === 'string') {
    return { type: 'error', message: message.message };
  }
  return null;
}

/** The WebSocket URL of a device's live stream, on the server that serves this page. */
export function liveUrl(
  location: { protocol: string; host: string },
  projectId: number,
  deviceId: string,
): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/api/projects/${projectId}/devices/${encodeURIComponent(deviceId)}/live`;
}
