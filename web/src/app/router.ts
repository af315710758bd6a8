import { useSyncExternalStore } from "react";
import { ROOM_ID_PATTERN } from "../protocol/messages";

export type Route = { page: "home" } | { page: "room"; roomId: string } | { page: "not-found" };

export function matchRoute(pathname: string): Route {
  if (pathname === "/" || pathname === "") return { page: "home" };
  const room = /^\/room\/([^/]+)\/?$/.exec(pathname);
  if (room) return { page: "room", roomId: decodeURIComponent(room[1]) };
  return { page: "not-found" };
}

const subscribe = (onChange: () => void) => {
  window.addEventListener("popstate", onChange);
  return () => window.removeEventListener("popstate", onChange);
};

export function usePathname(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

export function navigate(path: string): void {
  window.history.pushState(null, "", path);
  window.dispatchEvent(new PopStateEvent("popstate"));
}

/**
 * A room id from what a person pasted: a link (`https://host/room/<id>`), a
 * path (`/room/<id>`), or the id itself. `null` if none of these.
 */
export function parseRoomInput(input: string): string | null {
  const text = input.trim();
  if (ROOM_ID_PATTERN.test(text)) return text;
  let path = text;
  try {
    path = new URL(text, "http://placeholder.invalid").pathname;
  } catch {
    return null;
  }
  const route = matchRoute(path);
  return route.page === "room" && ROOM_ID_PATTERN.test(route.roomId) ? route.roomId : null;
}
