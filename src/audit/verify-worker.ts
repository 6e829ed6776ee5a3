/** Worker-thread entry of parallel verification: answers each chunk task with verifyChunk. */
import { parentPort } from 'node:worker_threads';
import { verifyChunk, type ChunkTask } from './verify-chunk.js';

parentPort?.on('message', (msg: { id: number; task: ChunkTask }) => {
  let result;
  try {
    result = verifyChunk(msg.task);
  } catch {
    result = { ok: false } as const;
  }
  parentPort?.postMessage({ id: msg.id, result });
});
