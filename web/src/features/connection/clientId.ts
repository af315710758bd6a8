const KEY = "pairpad.clientId";

/** 96 random bits, base64url: matches the protocol's `^[A-Za-z0-9_-]{1,64}$`. */
export function newClientId(bytes: Uint8Array = crypto.getRandomValues(new Uint8Array(12))): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * This tab's client id: the same across reconnects and reloads of the tab, so
 * that the server recognises the tab's own updates when it comes back.
 *
 * A duplicated tab inherits a copy of sessionStorage, and two tabs with one id
 * would keep replacing each other (close code 4409). So the id leaves storage
 * while the page is open and goes back when the page is hidden or unloaded:
 * a copy made meanwhile finds nothing and makes its own.
 */
export function tabClientId(storage: Storage = sessionStorage, target: Window = window): string {
  let id: string | null = null;
  try {
    id = storage.getItem(KEY);
    storage.removeItem(KEY);
  } catch {
    // Storage can be disabled; an id per page load still works.
  }
  if (!id || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) id = newClientId();
  const keep = id;
  const put = () => {
    try {
      storage.setItem(KEY, keep);
    } catch {
      // Nothing to do: the next load makes a new id.
    }
  };
  const take = () => {
    try {
      storage.removeItem(KEY);
    } catch {
      // As above.
    }
  };
  target.addEventListener("pagehide", put);
  target.addEventListener("pageshow", take);
  return id;
}
