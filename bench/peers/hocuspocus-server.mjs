// Hocuspocus 4, one process, persisting each document's Yjs state to Postgres with
// @hocuspocus/extension-database at its default debounce (2 s, at most 10 s): an
// edit is broadcast before it is stored, and an edit is durable only once the
// debounced store has run.
//
//   node hocuspocus-server.mjs <port> <postgres url>
// Prints one JSON line {"ready": true, "port": N} once it listens on 127.0.0.1.
import { Server } from '@hocuspocus/server';
import { Database } from '@hocuspocus/extension-database';
import pg from 'pg';

const [port, url] = [Number(process.argv[2]), process.argv[3]];
const pool = new pg.Pool({ connectionString: url, max: 10 });
const server = new Server({
  port,
  address: '127.0.0.1',
  quiet: true,
  stopOnSignals: false,
  extensions: [
    new Database({
      fetch: async ({ documentName }) => {
        const r = await pool.query('SELECT data FROM hocuspocus_documents WHERE name = $1', [documentName]);
        return r.rows[0] ? new Uint8Array(r.rows[0].data) : null;
      },
      store: async ({ documentName, state }) => {
        await pool.query(
          `INSERT INTO hocuspocus_documents (name, data) VALUES ($1, $2)
           ON CONFLICT (name) DO UPDATE SET data = EXCLUDED.data`,
          [documentName, Buffer.from(state)],
        );
      },
    }),
  ],
});
await server.listen();
process.stdout.write(JSON.stringify({ ready: true, port }) + '\n');
const stop = async () => { await server.destroy().catch(() => {}); await pool.end().catch(() => {}); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
