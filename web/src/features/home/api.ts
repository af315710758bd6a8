export interface CreatedRoom {
  roomId: string;
  url: string;
  version: number;
  language: string;
}

/** `POST /rooms`; throws with the server's message on failure. */
export async function createRoom(language?: string): Promise<CreatedRoom> {
  const response = await fetch("/rooms", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(language ? { language } : {}),
  });
  const body = (await response.json().catch(() => null)) as
    | (CreatedRoom & { error?: undefined })
    | { error?: { message?: string } }
    | null;
  if (!response.ok || !body || !("roomId" in body)) {
    throw new Error(body?.error?.message ?? `The server answered ${response.status}.`);
  }
  return body;
}
