// ShareDB 7 with sharedb-postgres: every op is committed to Postgres (the op and the
// document snapshot, in one transaction) before it is acknowledged and published.
// One process; clients on the same process share ShareDB's in-memory pub/sub.
//
//   node sharedb-server.mjs <port> <postgres url>
// Prints one JSON line {"ready": true, "port": N} once it listens on 127.0.0.1.
import http from 'node:http';
import ShareDB from 'sharedb';
import PostgresDB from 'sharedb-postgres';
import WebSocketJSONStream from '@teamwork/websocket-json-stream';
import { WebSocketServer } from 'ws';

const [port, url] = [Number(process.argv[2]), process.argv[3]];
// The same pool size as one Pairpad process.
const db = new PostgresDB({ connectionString: url, max: 10 });
const backend = new ShareDB({ db });
const server = http.createServer();
const wss = new WebSocketServer({ server, perMessageDeflate: false });
wss.on('connection', (ws) => backend.listen(new WebSocketJSONStream(ws)));
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ ready: true, port }) + '\n');
});
const stop = () => { server.close(); backend.close(() => process.exit(0)); setTimeout(() => process.exit(0), 2000); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
