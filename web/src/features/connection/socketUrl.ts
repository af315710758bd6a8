import { cleanName } from "../peers/displayName";

export interface SocketParams {
  clientId: string;
  name: string;
  /** The version the client already has, when it comes back with a document. */
  since?: number | undefined;
}

/** `ws[s]://host/ws/<roomId>?clientId=…&name=…[&since=…]` for the page at `location`. */
export function socketUrl(location: Pick<Location, "protocol" | "host">, roomId: string, params: SocketParams): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const query = new URLSearchParams({ clientId: params.clientId });
  const name = cleanName(params.name);
  if (name) query.set("name", name);
  if (params.since !== undefined) query.set("since", String(params.since));
  return `${scheme}//${location.host}/ws/${encodeURIComponent(roomId)}?${query}`;
}
