/**
 * The one place that holds the WebSocket. It opens it on `connectRequested`,
 * turns frames into actions, sends `messageSent` commands, and on a drop
 * reconnects with backoff and `since`, so that the editor's pending updates are
 * rebased over what it missed and then pushed.
 *
 * A connection can die without a close event: the network gone, a frozen server,
 * a half-open TCP connection. The browser says "closed" only when TCP gives up,
 * minutes later, and until then the status would say "Connected" over edits that
 * go nowhere. So the socket is given up, and the client reconnects, when the
 * browser goes offline, or when a push has waited `SILENCE_LIMIT_MS` with nothing
 * at all heard from the server (and nothing of ours still queued to send).
 */
import type { Middleware } from "@reduxjs/toolkit";
import { parseServerMessage, type ServerMessage } from "../../protocol/messages";
import { backoffDelay, decideOnClose } from "./backoff";
import {
  conflictReceived,
  connectionStopped,
  connectRequested,
  disconnectRequested,
  helloReceived,
  languageReceived,
  messageSent,
  peerLeft,
  presenceReceived,
  resyncRequested,
  retryNowRequested,
  retryScheduled,
  runReceived,
  serverErrorReceived,
  socketClosed,
  socketConnecting,
  updateReceived,
  viewersReceived,
} from "./actions";
import { socketUrl } from "./socketUrl";

/** The part of a WebSocket this module uses; tests pass a fake. */
export interface SocketLike {
  readonly readyState: number;
  /** Bytes sent but not yet handed to the network. */
  readonly bufferedAmount: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface ConnectionDeps {
  createSocket(url: string): SocketLike;
  location: Pick<Location, "protocol" | "host">;
  random(): number;
  now(): number;
  setTimer(callback: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
  /** `navigator.onLine`: false only when the browser knows it has no network. */
  isOnline(): boolean;
  /** Calls `callback` when the browser comes back online. */
  onOnline(callback: () => void): void;
  /** Calls `callback` when the browser loses its network. */
  onOffline(callback: () => void): void;
}

/** How long a push may wait with the server silent before the socket is given up. */
export const SILENCE_LIMIT_MS = 8000;

/** The state this middleware reads, so that it does not depend on the whole store. */
interface ConnectionView {
  room: { version: number; loaded: boolean };
  peers: { myName: string };
}

const CONNECTING = 0;
const OPEN = 1;

/** The real thing; touches `window` only when used, so a store can be made outside a browser. */
export function browserDeps(): ConnectionDeps {
  return {
    createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
    get location() {
      return window.location;
    },
    random: Math.random,
    now: Date.now,
    setTimer: (callback, ms) => setTimeout(callback, ms),
    clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    isOnline: () => typeof navigator === "undefined" || navigator.onLine !== false,
    onOnline: (callback) => {
      if (typeof window !== "undefined") window.addEventListener("online", callback);
    },
    onOffline: (callback) => {
      if (typeof window !== "undefined") window.addEventListener("offline", callback);
    },
  };
}

function actionFor(message: ServerMessage) {
  switch (message.type) {
    case "hello":
      return helloReceived(message);
    case "update":
      return updateReceived(message);
    case "conflict":
      return conflictReceived(message);
    case "presence":
      return presenceReceived(message);
    case "leave":
      return peerLeft(message);
    case "language":
      return languageReceived(message);
    case "viewers":
      return viewersReceived(message);
    case "error":
      return serverErrorReceived(message);
    case "run":
      return runReceived(message);
  }
}

export function createConnectionMiddleware(deps: ConnectionDeps = browserDeps()): Middleware<{}, ConnectionView> {
  return (api) => {
    let socket: SocketLike | null = null;
    let room: { roomId: string; clientId: string } | null = null;
    let attempt = 0;
    let timer: unknown = null;
    let fresh = false;
    let resyncTimes: number[] = [];
    // Runs out when a push has waited SILENCE_LIMIT_MS with the server silent.
    let silence: unknown = null;

    const cancelTimer = () => {
      if (timer !== null) deps.clearTimer(timer);
      timer = null;
    };

    const stopWatching = () => {
      if (silence !== null) deps.clearTimer(silence);
      silence = null;
    };

    const watchForSilence = () => {
      stopWatching();
      silence = deps.setTimer(() => {
        silence = null;
        const ws = socket;
        if (!ws) return;
        // Still sending (a big paste on a slow uplink): the wait is ours, not the server's.
        if (ws.bufferedAmount > 0) watchForSilence();
        else abandon("the server stopped answering");
      }, SILENCE_LIMIT_MS);
    };

    /** Give up a socket that is open but dead, and reconnect as after a drop. */
    const abandon = (reason: string) => {
      if (!socket) return;
      drop();
      api.dispatch(socketClosed({ code: 1006, reason }));
      scheduleRetry();
    };

    const drop = () => {
      stopWatching();
      const old = socket;
      socket = null;
      if (!old) return;
      old.onopen = old.onmessage = old.onclose = old.onerror = null;
      if (old.readyState === CONNECTING) {
        // Closing mid-handshake makes the browser log an error and the server
        // see a vanished client; let it open, then close it properly.
        old.onopen = () => old.close(1000, "client closed");
        return;
      }
      old.close(1000, "client closed");
    };

    const open = () => {
      cancelTimer();
      if (!room) return;
      const { version, loaded } = api.getState().room;
      const url = socketUrl(deps.location, room.roomId, {
        clientId: room.clientId,
        name: api.getState().peers.myName,
        since: loaded && !fresh ? version : undefined,
      });
      api.dispatch(socketConnecting({ attempt }));
      const ws = deps.createSocket(url);
      socket = ws;
      ws.onmessage = (event) => {
        if (socket !== ws || typeof event.data !== "string") return;
        const message = parseServerMessage(event.data);
        if (!message) {
          console.warn("pairpad: ignored a malformed server message", event.data.slice(0, 200));
          return;
        }
        if (silence !== null) {
          // The server is alive. Our push is answered by its own update, a
          // conflict or an error; anything else only restarts the wait.
          const answered =
            (message.type === "update" && message.clientId === room?.clientId) ||
            message.type === "conflict" ||
            message.type === "error";
          if (answered) stopWatching();
          else watchForSilence();
        }
        if (message.type === "hello") {
          attempt = 0;
          fresh = false;
          // The server may have picked or changed our id: reconnect with its choice.
          if (room) room = { ...room, clientId: message.clientId };
        }
        api.dispatch(actionFor(message));
      };
      ws.onclose = (event) => {
        if (socket !== ws) return;
        socket = null;
        stopWatching();
        api.dispatch(socketClosed({ code: event.code, reason: event.reason }));
        const decision = decideOnClose(event.code);
        if (decision.kind === "stop") {
          api.dispatch(connectionStopped({ reason: decision.reason, code: event.code }));
          return;
        }
        scheduleRetry();
      };
      ws.onerror = () => {
        // A close event always follows; that is where the decision is made.
      };
    };

    const scheduleRetry = () => {
      cancelTimer();
      const delay = backoffDelay(attempt, deps.random);
      attempt += 1;
      api.dispatch(retryScheduled({ retryAt: deps.now() + delay, attempt, offline: !deps.isOnline() }));
      timer = deps.setTimer(() => {
        timer = null;
        open();
      }, delay);
    };

    deps.onOnline(() => {
      if (timer !== null) open();
    });
    deps.onOffline(() => abandon("the browser went offline"));

    return (next) => (action) => {
      if (messageSent.match(action)) {
        if (socket && socket.readyState === OPEN) {
          socket.send(JSON.stringify(action.payload));
          if (action.payload.type === "push" && silence === null) watchForSilence();
        }
        return action;
      }
      if (connectRequested.match(action)) {
        const result = next(action);
        drop();
        room = { ...action.payload };
        attempt = 0;
        fresh = false;
        open();
        return result;
      }
      if (disconnectRequested.match(action)) {
        room = null;
        cancelTimer();
        drop();
        return next(action);
      }
      if (retryNowRequested.match(action)) {
        if (timer !== null) open();
        return action;
      }
      if (resyncRequested.match(action)) {
        if (!room) return action;
        const result = next(action);
        fresh = fresh || action.payload.fresh;
        drop();
        api.dispatch(socketClosed({ code: 1000, reason: action.payload.reason }));
        // A server that keeps sending what the client cannot take must not get a tight loop.
        const now = deps.now();
        resyncTimes = resyncTimes.filter((t) => now - t < 30_000).concat(now);
        if (resyncTimes.length > 3) scheduleRetry();
        else open();
        return result;
      }
      return next(action);
    };
  };
}
