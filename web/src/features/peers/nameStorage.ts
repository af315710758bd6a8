const KEY = "pairpad.name";

export function loadName(storage: Pick<Storage, "getItem"> | undefined = globalThis.localStorage): string {
  try {
    return storage?.getItem(KEY) ?? "";
  } catch {
    return "";
  }
}

export function saveName(name: string, storage: Pick<Storage, "setItem"> | undefined = globalThis.localStorage): void {
  try {
    storage?.setItem(KEY, name);
  } catch {
    // Private mode or storage full: the name lasts for this page only.
  }
}
