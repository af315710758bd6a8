/**
 * The Pairpad wire protocol, version 2 (see PROTOCOL.md): message types and a
 * parser that checks the shape of what the server sends before anyone trusts it.
 */

/** The JSON form of a CodeMirror `ChangeSet` (`ChangeSet.toJSON()`). */
export type ChangesJSON = readonly (number | readonly [number, ...string[]])[];

export interface Selection {
  anchor: number;
  head: number;
}

/** The range of the document a peer has on screen (v2), so that others can follow it. */
export interface Viewport {
  from: number;
  to: number;
}

export interface PeerInfo {
  clientId: string;
  name: string;
  color: string;
  selection: Selection | null;
  /** What the peer has on screen, when it says (v2). */
  viewport?: Viewport;
}

/** The room id edits; the view id only watches (v2). */
export type Role = "editor" | "viewer";

export interface HelloMessage {
  type: "hello";
  /** The room id: an editor's hello only. A viewer never learns it. */
  roomId?: string;
  /** The view-only id (v2): both roles get it. */
  viewId?: string;
  /** Always set by `parseServerMessage`; a version-1 hello means "editor". */
  role?: Role;
  clientId: string;
  version: number;
  /**
   * With `text: null`: the room's version when the hello was sent, so the
   * client is caught up once it has applied that update. `null` otherwise;
   * always set by the parser.
   */
  latestVersion?: number | null;
  /** `null` after a `since` reconnect: the missing updates follow as `update`s. */
  text: string | null;
  language: string;
  /** Editors only: viewers are counted, not listed. */
  peers: PeerInfo[];
  /** How many viewer sockets the room has, across all processes (v2); always set by the parser. */
  viewers?: number;
  /** (v2) The room's last shared run, or null when nothing ran yet. */
  lastRun?: LastRun | null;
}

export interface UpdateMessage {
  type: "update";
  version: number;
  clientId: string;
  changes: ChangesJSON;
}

export interface ConflictMessage {
  type: "conflict";
  version: number;
}

export interface PresenceMessage {
  type: "presence";
  clientId: string;
  name: string;
  color: string;
  selection: Selection | null;
  viewport?: Viewport;
}

/** The room's viewer count changed (v2). */
export interface ViewersMessage {
  type: "viewers";
  count: number;
}

export interface LeaveMessage {
  type: "leave";
  clientId: string;
}

export interface LanguageMessage {
  type: "language";
  language: string;
  clientId: string;
}

export interface ErrorMessage {
  type: "error";
  code: string;
  message: string;
}

export type RunStatus = "ok" | "error" | "timeout" | "stopped" | "interrupted";
export type RunStream = "stdout" | "stderr";

export interface RunOutputPiece {
  stream: RunStream;
  text: string;
}

/** (v2) `hello.lastRun`: a whole run; `status` is null while it is still going. */
export interface LastRun {
  runId: string;
  clientId: string;
  language: string;
  version: number;
  status: RunStatus | null;
  durationMs: number | null;
  output: RunOutputPiece[];
}

/** (v2) A run event that the client sends; the server adds `clientId` when it relays it. */
export type RunEvent =
  | { event: "start"; runId: string; language: string; version: number }
  | { event: "output"; runId: string; stream: RunStream; text: string }
  | { event: "end"; runId: string; status: RunStatus; durationMs: number };

export type OutgoingRun = { type: "run" } & RunEvent;
export type RunMessage = { type: "run"; clientId: string } & RunEvent;

export const RUN_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
/** The most UTF-16 units one run `output` message may carry. */
export const MAX_RUN_TEXT_UNITS = 1024;

export type ServerMessage =
  | RunMessage
  | HelloMessage
  | UpdateMessage
  | ConflictMessage
  | PresenceMessage
  | LeaveMessage
  | LanguageMessage
  | ViewersMessage
  | ErrorMessage;

export interface WireUpdate {
  clientId: string;
  changes: ChangesJSON;
}

export interface PushMessage {
  type: "push";
  version: number;
  updates: WireUpdate[];
}

export interface OutgoingPresence {
  type: "presence";
  selection: Selection | null;
  name?: string;
  viewport?: Viewport;
}

export interface OutgoingLanguage {
  type: "language";
  language: string;
}

export type ClientMessage = PushMessage | OutgoingPresence | OutgoingLanguage | OutgoingRun;

/** WebSocket close codes that the protocol gives a meaning. */
export const CloseCode = {
  normal: 1000,
  policyViolation: 1008,
  tooBig: 1009,
  internalError: 1011,
  serviceRestart: 1012,
  tryAgainLater: 1013,
  invalidRoomId: 4400,
  forbiddenOrigin: 4403,
  roomNotFound: 4404,
  replaced: 4409,
} as const;

export const ROOM_ID_PATTERN = /^[A-Za-z0-9_-]{8,58}$/;
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const MAX_NAME_LENGTH = 40;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === "string";
const isVersion = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isPosition = isVersion;

function toSelection(v: unknown): Selection | null | undefined {
  if (v === null || v === undefined) return null;
  if (isObject(v) && isPosition(v.anchor) && isPosition(v.head)) return { anchor: v.anchor, head: v.head };
  return undefined;
}

function toViewport(v: unknown): Viewport | undefined {
  if (isObject(v) && isPosition(v.from) && isPosition(v.to) && v.from <= v.to) return { from: v.from, to: v.to };
  return undefined;
}

function toPeer(v: unknown): PeerInfo | undefined {
  if (!isObject(v) || !isString(v.clientId)) return undefined;
  const selection = toSelection(v.selection);
  if (selection === undefined) return undefined;
  const peer: PeerInfo = {
    clientId: v.clientId,
    name: isString(v.name) ? v.name : "",
    color: isString(v.color) ? v.color : "",
    selection,
  };
  const viewport = toViewport(v.viewport);
  if (viewport) peer.viewport = viewport;
  return peer;
}

export function isChangesJSON(v: unknown): v is ChangesJSON {
  return (
    Array.isArray(v) &&
    v.every(
      (part) =>
        isPosition(part) ||
        (Array.isArray(part) && part.length >= 1 && isPosition(part[0]) && part.slice(1).every(isString)),
    )
  );
}

const RUN_STATUSES: readonly unknown[] = ["ok", "error", "timeout", "stopped", "interrupted"];
const isStream = (v: unknown): v is RunStream => v === "stdout" || v === "stderr";
const isRunId = (v: unknown): v is string => isString(v) && RUN_ID_PATTERN.test(v);

function toRunEvent(m: Json): RunEvent | null {
  if (!isRunId(m.runId)) return null;
  switch (m.event) {
    case "start":
      return isString(m.language) && isVersion(m.version)
        ? { event: "start", runId: m.runId, language: m.language, version: m.version }
        : null;
    case "output":
      return isStream(m.stream) && isString(m.text)
        ? { event: "output", runId: m.runId, stream: m.stream, text: m.text }
        : null;
    case "end":
      return RUN_STATUSES.includes(m.status) && isVersion(m.durationMs)
        ? { event: "end", runId: m.runId, status: m.status as RunStatus, durationMs: m.durationMs }
        : null;
    default:
      return null;
  }
}

/** `hello.lastRun`: null when absent or malformed, so that a bad run never costs the room. */
export function toLastRun(v: unknown): LastRun | null {
  if (!isObject(v) || !isRunId(v.runId) || !isString(v.clientId) || !isString(v.language)) return null;
  if (!isVersion(v.version) || !Array.isArray(v.output)) return null;
  const status = v.status === null || RUN_STATUSES.includes(v.status) ? (v.status as RunStatus | null) : undefined;
  if (status === undefined) return null;
  const output = v.output.filter((p): p is RunOutputPiece => isObject(p) && isStream(p.stream) && isString(p.text));
  return {
    runId: v.runId,
    clientId: v.clientId,
    language: v.language,
    version: v.version,
    status,
    durationMs: isVersion(v.durationMs) ? v.durationMs : null,
    output: output.map((p) => ({ stream: p.stream, text: p.text })),
  };
}

/** Parses one text frame; `null` for anything that is not a well-formed server message. */
export function parseServerMessage(data: string): ServerMessage | null {
  let m: unknown;
  try {
    m = JSON.parse(data);
  } catch {
    return null;
  }
  if (!isObject(m)) return null;
  switch (m.type) {
    case "hello": {
      if (!(isString(m.roomId) || isString(m.viewId)) || !isString(m.clientId) || !isVersion(m.version)) return null;
      if (!(m.text === null || isString(m.text)) || !isString(m.language)) return null;
      const peers = Array.isArray(m.peers) ? m.peers.map(toPeer) : [];
      const hello: HelloMessage = {
        type: "hello",
        // A hello without the room id is a viewer's, whatever else it says.
        role: m.role === "viewer" || !isString(m.roomId) ? "viewer" : "editor",
        clientId: m.clientId,
        version: m.version,
        latestVersion: isVersion(m.latestVersion) ? m.latestVersion : null,
        text: m.text,
        language: m.language,
        peers: peers.filter((p): p is PeerInfo => p !== undefined),
        viewers: isVersion(m.viewers) ? m.viewers : 0,
        lastRun: toLastRun(m.lastRun),
      };
      if (isString(m.roomId)) hello.roomId = m.roomId;
      if (isString(m.viewId)) hello.viewId = m.viewId;
      return hello;
    }
    case "update":
      if (!isVersion(m.version) || !isString(m.clientId) || !isChangesJSON(m.changes)) return null;
      return { type: "update", version: m.version, clientId: m.clientId, changes: m.changes };
    case "conflict":
      return isVersion(m.version) ? { type: "conflict", version: m.version } : null;
    case "presence": {
      const peer = toPeer(m);
      return peer ? { type: "presence", ...peer } : null;
    }
    case "leave":
      return isString(m.clientId) ? { type: "leave", clientId: m.clientId } : null;
    case "viewers":
      return isVersion(m.count) ? { type: "viewers", count: m.count } : null;
    case "language":
      if (!isString(m.language)) return null;
      return { type: "language", language: m.language, clientId: isString(m.clientId) ? m.clientId : "" };
    case "run": {
      if (!isString(m.clientId)) return null;
      const event = toRunEvent(m);
      return event ? { type: "run", clientId: m.clientId, ...event } : null;
    }
    case "error":
      return {
        type: "error",
        code: isString(m.code) ? m.code : "unknown",
        message: isString(m.message) ? m.message : "",
      };
    default:
      return null;
  }
}
