/**
 * Actions at the edge between the app and the socket. Commands (`…Requested`,
 * `messageSent`) are taken by the connection middleware; events (`…Received`,
 * `socket…`) are what it saw. Slices and the editor both listen to the events.
 */
import { createAction } from "@reduxjs/toolkit";
import type {
  ClientMessage,
  ConflictMessage,
  ErrorMessage,
  HelloMessage,
  LanguageMessage,
  LeaveMessage,
  PresenceMessage,
  RunMessage,
  UpdateMessage,
  ViewersMessage,
} from "../../protocol/messages";
import type { StopReason } from "./backoff";

export const connectRequested = createAction<{ roomId: string; clientId: string }>("connection/connectRequested");
export const disconnectRequested = createAction("connection/disconnectRequested");
export const retryNowRequested = createAction("connection/retryNowRequested");
/**
 * Drop the socket and connect again at once: with `since` to catch up after a gap,
 * or without it (`fresh`) to start over from the server's text.
 */
export const resyncRequested = createAction<{ fresh: boolean; reason: string }>("connection/resyncRequested");
export const messageSent = createAction<ClientMessage>("connection/messageSent");

export const socketConnecting = createAction<{ attempt: number }>("connection/socketConnecting");
export const socketClosed = createAction<{ code: number; reason: string }>("connection/socketClosed");
export const retryScheduled = createAction<{ retryAt: number; attempt: number; offline: boolean }>(
  "connection/retryScheduled",
);
export const connectionStopped = createAction<{ reason: StopReason; code: number }>("connection/stopped");

export const helloReceived = createAction<HelloMessage>("server/hello");
export const updateReceived = createAction<UpdateMessage>("server/update");
export const conflictReceived = createAction<ConflictMessage>("server/conflict");
export const presenceReceived = createAction<PresenceMessage>("server/presence");
export const peerLeft = createAction<LeaveMessage>("server/leave");
export const languageReceived = createAction<LanguageMessage>("server/language");
export const viewersReceived = createAction<ViewersMessage>("server/viewers");
export const runReceived = createAction<RunMessage>("server/run");
export const serverErrorReceived = createAction<ErrorMessage>("server/error");
