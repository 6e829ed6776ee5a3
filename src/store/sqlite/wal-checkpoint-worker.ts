/**
 * Worker-thread entry of the SQLite WAL checkpointer (wal-checkpoint.ts): its own connection to
 * the database file runs each checkpoint asked for, so copying WAL frames into the database and
 * the two fsyncs around it never run on the server's event loop. Answers every `checkpoint`
 * message with the counts SQLite reports; `close` closes the connection.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const db = new Database((workerData as { path: string }).path, { fileMustExist: true });
// a checkpoint syncs the WAL before copying it and the database after (the writer's own rule)
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');

parentPort?.on('message', (msg: 'checkpoint' | 'close') => {
  if (msg === 'close') {
    db.close();
    parentPort?.close();
    return;
  }
  try {
    const [row] = db.pragma('wal_checkpoint(PASSIVE)') as {
      busy: number;
      log: number;
      checkpointed: number;
    }[];
    parentPort?.postMessage({ ok: true, ...row });
  } catch (err) {
    parentPort?.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
  }
});
