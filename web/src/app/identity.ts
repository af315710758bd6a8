import { tabClientId } from "../features/connection/clientId";

let id: string | null = null;

/** This tab's client id, made or recovered once per page load. */
export function clientId(): string {
  id ??= tabClientId();
  return id;
}
