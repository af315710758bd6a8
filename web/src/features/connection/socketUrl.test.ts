import { describe, expect, it } from "vitest";
import { newClientId } from "./clientId";
import { socketUrl } from "./socketUrl";

describe("socket URL", () => {
  it("uses ws for http pages and wss for https pages", () => {
    expect(socketUrl({ protocol: "http:", host: "127.0.0.1:8000" }, "room-1234", { clientId: "c1", name: "" })).toBe(
      "ws://127.0.0.1:8000/ws/room-1234?clientId=c1",
    );
    expect(socketUrl({ protocol: "https:", host: "x.example" }, "room-1234", { clientId: "c1", name: "Ada L", since: 7 })).toBe(
      "wss://x.example/ws/room-1234?clientId=c1&name=Ada+L&since=7",
    );
  });

  it("makes client ids the protocol accepts", () => {
    const id = newClientId();
    expect(id).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(newClientId(new Uint8Array(12).fill(255))).toBe("____________________".slice(0, 16));
  });
});
