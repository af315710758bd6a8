// One load generator for Pairpad, ShareDB and Hocuspocus, so that all three are
// measured by the same client-side code (scenario 7 of bench/run.py).
//
//   node loadgen.mjs <spec.json>
//
// Each client types one character every `period` seconds at its cursor, through the
// system's own client library (ShareDB's Connection/Doc with json0 string inserts,
// Yjs + HocuspocusProvider) or, for Pairpad, its wire protocol (one push in flight,
// conflict -> wait for the named version -> regenerate the pending keystrokes ->
// push again). Client i of a room types the letter "ABCDEFGH"[i], so a peer can tell
// whose keystroke each inserted character is and, counting them, which one: latency
// is keystroke (the local edit) -> the peer has applied it.
//
// stdout: {"type":"ready",...}, then, after a {"t_start","t_end"} line on stdin
// (CLOCK_MONOTONIC seconds, as Python's time.monotonic()), {"type":"result",...}.
import fs from 'node:fs';
import readline from 'node:readline';
import WebSocket from 'ws';

const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const LETTERS = 'ABCDEFGH';
const now = () => Number(process.hrtime.bigint()) / 1e9;
const sleep = (s) => new Promise((r) => setTimeout(r, Math.max(0, s * 1000)));
const win = { start: Infinity, end: -Infinity };
const inWindow = (t) => t >= win.start && t < win.end;

const stats = { peer: [], confirm: [], keystrokes: 0, acked: 0, conflicts: 0, pushes: 0, errors: [] };
function error(msg) { if (stats.errors.length < 10) stats.errors.push(String(msg)); }

class Room {
  constructor(id) { this.id = id; this.clients = []; }
}

class BaseClient {
  constructor(room, index) {
    this.room = room;
    this.index = index;
    this.letter = LETTERS[index];
    this.keyTimes = [];
    this.received = new Map(); // author letter -> count of that author's characters seen
    this.cursor = 0;
    this.stopped = false;
  }
  // A peer's characters arrived (applied locally) at time t.
  sawInserted(text, t) {
    for (const ch of text) {
      const author = this.room.byLetter.get(ch);
      if (!author || author === this) continue;
      const n = this.received.get(ch) || 0;
      this.received.set(ch, n + 1);
      const key = author.keyTimes[n];
      if (key !== undefined && inWindow(key)) stats.peer.push(t - key);
    }
  }
  shift(pos, inserted, own) {
    if (pos < this.cursor || (pos === this.cursor && own)) this.cursor += inserted;
  }
  keystroke() {
    const t = now();
    this.keyTimes.push(t);
    if (inWindow(t)) stats.keystrokes += 1;
    return t;
  }
  caughtUp() {
    for (const other of this.room.clients) {
      if (other !== this && (this.received.get(other.letter) || 0) < other.keyTimes.length) return false;
    }
    return true;
  }
}

// Pairpad: the wire protocol of shared/PROTOCOL.md.
class PairpadClient extends BaseClient {
  async connect(url) {
    this.clientId = `n${this.index}${Math.random().toString(36).slice(2, 12)}`;
    this.ws = new WebSocket(`${url}/ws/${this.room.id}?clientId=${this.clientId}`, { perMessageDeflate: false });
    this.pending = [];
    this.inflight = null;
    this.waitVersion = null;
    await new Promise((resolve, reject) => {
      this.ws.once('error', reject);
      this.ws.on('message', (data) => {
        const m = JSON.parse(data.toString());
        if (m.type === 'hello') {
          this.version = m.version;
          this.length = m.text.length;
          this.cursor = Math.floor(this.length / 4 + Math.random() * this.length / 2);
          resolve();
        } else this.onMessage(m);
      });
    });
  }
  onMessage(m) {
    const t = now();
    if (m.type === 'update') {
      if (m.version <= this.version) return;
      if (m.version !== this.version + 1) error(`gap ${this.version} -> ${m.version}`);
      this.version = m.version;
      const own = m.clientId === this.clientId;
      let pos = 0;
      let length = 0;
      for (const s of m.changes) {
        if (typeof s === 'number') { pos += s; length += s; continue; }
        const text = s.slice(1).join('\n');
        this.shift(pos, text.length, own);
        if (!own) this.sawInserted(text, t);
        pos += s[0];
        length += text.length;
      }
      this.length = length;
      if (own && this.inflight && m.version === this.inflight.base + this.inflight.keys.length) {
        for (const k of this.inflight.keys) if (inWindow(k)) { stats.confirm.push(t - k); stats.acked += 1; }
        this.inflight = null;
      }
      if (this.waitVersion !== null && this.version >= this.waitVersion) this.waitVersion = null;
      this.maybePush();
    } else if (m.type === 'conflict') {
      const inflight = this.inflight;
      this.inflight = null;
      if (inflight) {
        if (inWindow(inflight.sentAt)) stats.conflicts += 1;
        this.pending.unshift(...inflight.keys);
      }
      if (m.version > this.version) this.waitVersion = m.version;
      this.maybePush();
    } else if (m.type === 'error') {
      error(`${m.code}: ${m.message}`);
    }
  }
  type() {
    this.pending.push(this.keystroke());
    this.maybePush();
  }
  maybePush() {
    if (this.inflight || this.waitVersion !== null || this.pending.length === 0) return;
    const keys = this.pending;
    this.pending = [];
    const at = Math.min(this.cursor, this.length);
    const updates = keys.map((_, i) => {
      const len = this.length + i;
      const p = at + i;
      const changes = [];
      if (p) changes.push(p);
      changes.push([0, this.letter]);
      if (len - p) changes.push(len - p);
      return { clientId: this.clientId, changes };
    });
    const sentAt = now();
    this.inflight = { base: this.version, keys, sentAt };
    if (inWindow(sentAt)) stats.pushes += 1;
    this.ws.send(JSON.stringify({ type: 'push', version: this.version, updates }));
  }
  settled() { return !this.inflight && this.pending.length === 0; }
  text() { return null; }
  close() { this.ws.close(); }
}

// ShareDB: a json0 document {content: "..."}; string inserts {p: ["content", i], si}.
class ShareDBClient extends BaseClient {
  async connect(url, create) {
    const { default: sharedb } = await import('sharedb/lib/client/index.js');
    this.ws = new WebSocket(url, { perMessageDeflate: false });
    await new Promise((resolve, reject) => { this.ws.once('open', resolve); this.ws.once('error', reject); });
    this.connection = new sharedb.Connection(this.ws);
    this.doc = this.connection.get('rooms', this.room.id);
    await new Promise((resolve, reject) => this.doc.subscribe((err) => (err ? reject(err) : resolve())));
    if (create && !this.doc.type) {
      await new Promise((resolve, reject) => this.doc.create({ content: spec.text }, (err) => (err ? reject(err) : resolve())));
    }
    this.inflightAcks = 0;
    this.doc.on('op batch', (op, source) => {
      if (source) return;
      const t = now();
      for (const c of op) {
        if (c.si !== undefined && c.p[0] === 'content') {
          this.shift(c.p[1], c.si.length, false);
          this.sawInserted(c.si, t);
        } else if (c.sd !== undefined) error('unexpected delete');
      }
    });
  }
  async ready() {
    while (!this.doc.type) await sleep(0.02);
    const len = this.doc.data.content.length;
    this.cursor = Math.floor(len / 4 + Math.random() * len / 2);
  }
  type() {
    const k = this.keystroke();
    const at = Math.min(this.cursor, this.doc.data.content.length);
    this.cursor = at + 1;
    this.inflightAcks += 1;
    this.doc.submitOp([{ p: ['content', at], si: this.letter }], (err) => {
      this.inflightAcks -= 1;
      if (err) { error(err); return; }
      const t = now();
      if (inWindow(k)) { stats.confirm.push(t - k); stats.acked += 1; }
    });
  }
  settled() { return this.inflightAcks === 0; }
  text() { return this.doc.data.content; }
  close() { this.connection.close(); }
}

// Hocuspocus: Yjs Y.Text "content" through HocuspocusProvider.
class HocuspocusClient extends BaseClient {
  async connect(url) {
    const Y = await import('yjs');
    const { HocuspocusProvider } = await import('@hocuspocus/provider');
    this.ydoc = new Y.Doc();
    this.ytext = this.ydoc.getText('content');
    this.ytext.observe((event, tr) => {
      if (tr.local) return;
      const t = now();
      let pos = 0;
      for (const d of event.delta) {
        if (d.retain) pos += d.retain;
        else if (d.insert) {
          this.shift(pos, d.insert.length, false);
          this.sawInserted(d.insert, t);
          pos += d.insert.length;
        } else if (d.delete) error('unexpected delete');
      }
    });
    this.provider = new HocuspocusProvider({ url, name: this.room.id, document: this.ydoc, WebSocketPolyfill: WebSocket });
    await new Promise((resolve) => this.provider.on('synced', resolve));
  }
  async seed() {
    if (this.ytext.length === 0) this.ytext.insert(0, spec.text);
  }
  async ready() {
    while (this.ytext.length < spec.text.length) await sleep(0.02);
    const len = this.ytext.length;
    this.cursor = Math.floor(len / 4 + Math.random() * len / 2);
  }
  type() {
    this.keystroke();
    const at = Math.min(this.cursor, this.ytext.length);
    this.cursor = at + 1;
    this.ytext.insert(at, this.letter);
  }
  settled() { return true; }
  text() { return this.ytext.toString(); }
  close() { this.provider.destroy(); }
}

async function pool(items, limit, fn) {
  let next = 0;
  const run = async () => { while (next < items.length) { const i = next++; await fn(items[i]); } };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
}

async function main() {
  const rooms = spec.rooms.map((id) => new Room(id));
  const kinds = { pairpad: PairpadClient, sharedb: ShareDBClient, hocuspocus: HocuspocusClient };
  const Kind = kinds[spec.system];
  for (const room of rooms) {
    for (let i = 0; i < spec.clientsPerRoom; i++) room.clients.push(new Kind(room, i));
    room.byLetter = new Map(room.clients.map((c) => [c.letter, c]));
  }
  const all = rooms.flatMap((r) => r.clients);
  const t0 = now();
  const url = (i) => spec.urls[i % spec.urls.length];
  // First clients first (they create the ShareDB doc / seed the Yjs text).
  await pool(rooms, 32, async (room) => {
    await room.clients[0].connect(url(0), true);
    if (room.clients[0].seed) await room.clients[0].seed();
  });
  await pool(all.filter((c) => c.index > 0), 32, (c) => c.connect(url(c.index), false));
  for (const c of all) if (c.ready) await c.ready();
  const connectSeconds = now() - t0;
  process.stdout.write(JSON.stringify({ type: 'ready', clients: all.length, connect_seconds: connectSeconds }) + '\n');

  const rl = readline.createInterface({ input: process.stdin });
  const go = await new Promise((resolve) => rl.once('line', (line) => resolve(JSON.parse(line))));
  win.start = go.t_start;
  win.end = go.t_end;
  const begin = win.start - spec.warmup;
  await Promise.all(all.map(async (c) => {
    let at = begin + Math.random() * spec.period;
    while (at < win.end) {
      await sleep(at - now());
      c.type();
      at += spec.period;
    }
  }));
  const deadline = now() + spec.drain;
  while (now() < deadline && !all.every((c) => c.settled() && c.caughtUp())) await sleep(0.05);
  const unsettled = all.filter((c) => !(c.settled() && c.caughtUp())).length;
  let diverged = 0;
  for (const room of rooms) {
    const texts = new Set(room.clients.map((c) => c.text()));
    if (texts.size > 1) diverged += 1;
  }
  for (const c of all) { try { c.close(); } catch (e) { error(e); } }
  const delivered = stats.peer.length / Math.max(1, spec.clientsPerRoom - 1);
  process.stdout.write(JSON.stringify({
    type: 'result', system: spec.system, clients: all.length, connect_seconds: connectSeconds,
    keystrokes: stats.keystrokes, delivered, acked: stats.acked, pushes: stats.pushes,
    conflicts: stats.conflicts, unsettled, diverged, errors: stats.errors,
    peer: stats.peer, confirm: stats.confirm,
  }) + '\n');
  setTimeout(() => process.exit(0), 500);
}

main().catch((e) => {
  process.stdout.write(JSON.stringify({ type: 'error', error: String(e && e.stack || e) }) + '\n');
  process.exit(1);
});
