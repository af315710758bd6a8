import { describe, expect, it } from "vitest";
import { matchRoute, parseRoomInput } from "./router";

describe("routes", () => {
  it("matches home, rooms and the rest", () => {
    expect(matchRoute("/")).toEqual({ page: "home" });
    expect(matchRoute("/room/abcdefgh12")).toEqual({ page: "room", roomId: "abcdefgh12" });
    expect(matchRoute("/room/abcdefgh12/")).toEqual({ page: "room", roomId: "abcdefgh12" });
    expect(matchRoute("/rooms")).toEqual({ page: "not-found" });
  });

  it.each([
    ["q5s-iV0FY07u7sRVIDXCAg", "q5s-iV0FY07u7sRVIDXCAg"],
    ["  q5s-iV0FY07u7sRVIDXCAg ", "q5s-iV0FY07u7sRVIDXCAg"],
    ["https://pairpad.example/room/q5s-iV0FY07u7sRVIDXCAg", "q5s-iV0FY07u7sRVIDXCAg"],
    ["http://127.0.0.1:8000/room/q5s-iV0FY07u7sRVIDXCAg?x=1#y", "q5s-iV0FY07u7sRVIDXCAg"],
    ["/room/q5s-iV0FY07u7sRVIDXCAg", "q5s-iV0FY07u7sRVIDXCAg"],
  ])("finds the room in %j", (input, roomId) => {
    expect(parseRoomInput(input)).toBe(roomId);
  });

  it.each(["", "short", "https://example.com/", "/room/bad.id!", "room/has space"])("finds no room in %j", (input) => {
    expect(parseRoomInput(input)).toBeNull();
  });
});
