import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import pino, { type Logger } from 'pino';
import type { PreparedWorker, WorkerBlueprint } from './create-worker.js';
import type { EnvSource } from './worker-env.js';

/** A worker prepared in this process with an SDK client connected to it over an in-memory transport. */
export interface InMemoryConnection {
  worker: PreparedWorker;
  client: Client;
  /** Closes the client, then the worker (its pools and clients). */
  close(): Promise<void>;
}

/**
 * Prepares the worker against `env` and connects an MCP client to it in-process: how a worker's own
 * tests call its tools without a gateway or a child process (the real server, the real protocol).
 */
export async function connectInMemory(blueprint: Pick<WorkerBlueprint<unknown>, 'prepare'>, env: EnvSource, log: Logger = pino({ level: 'silent' })): Promise<InMemoryConnection> {
  const worker = blueprint.prepare(env, log);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await worker.createServer().connect(serverSide);
  const client = new Client({ name: 'test', version: '1' });
  await client.connect(clientSide);
  return {
    worker,
    client,
    close: async () => {
      await client.close();
      await worker.close();
    },
  };
}
