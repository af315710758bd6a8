/** `GET /rooms/{id}/history` and `GET /rooms/{id}/versions/{v}` (PROTOCOL.md, v2). */
import type { ChangesJSON } from "../../protocol/messages";

export interface HistoryUpdate {
  version: number;
  clientId: string;
  name: string;
  at: string;
  changes: ChangesJSON;
}

export interface HistoryPage {
  version: number;
  oldest: number;
  updates: HistoryUpdate[];
}

export interface VersionText {
  version: number;
  text: string;
  at: string;
}

export interface HistoryApi {
  history(after: number, limit: number): Promise<HistoryPage>;
  version(v: number): Promise<VersionText>;
}

/** Past any version: asks for the range alone, with no updates. */
export const PAST_ANY_VERSION = Number.MAX_SAFE_INTEGER;

async function getJSON<T>(url: string): Promise<T> {
  const response = await fetch(url);
  const body = (await response.json().catch(() => null)) as (T & { error?: undefined }) | { error?: { message?: string } } | null;
  if (!response.ok || !body || body.error) {
    throw new Error(body?.error?.message ?? `The server answered ${response.status}.`);
  }
  return body as T;
}

export function historyApi(roomId: string): HistoryApi {
  const base = `/rooms/${encodeURIComponent(roomId)}`;
  return {
    history: (after, limit) => getJSON<HistoryPage>(`${base}/history?after=${after}&limit=${limit}`),
    version: (v) => getJSON<VersionText>(`${base}/versions/${v}`),
  };
}
