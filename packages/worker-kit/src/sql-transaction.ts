/** What a transaction needs of a pooled connection (node-postgres's PoolClient fits). */
export interface SqlClient {
  query(text: string): Promise<unknown>;
  release(error?: Error): void;
}

/** What a transaction needs of a pool (node-postgres's Pool fits). */
export interface SqlPool<C extends SqlClient> {
  connect(): Promise<C>;
}

export interface SqlTransactionOptions<C extends SqlClient> {
  /** Sets `statement_timeout` for the transaction. */
  timeoutMs: number;
  /** Past `timeoutMs` by this much, the statement is taken as runaway and its connection dropped (default 1000). */
  graceMs?: number;
  /** `BEGIN TRANSACTION READ ONLY` and a rollback at the end; otherwise `BEGIN` … `COMMIT`. */
  readOnly: boolean;
  signal?: AbortSignal | undefined;
  /**
   * What cancelling does (default: drop the connection, which ends its statement server-side and
   * works through poolers that do not forward cancel requests).
   */
  onAbort?: (client: C, drop: () => void) => void;
  /** Told when a statement ran past the deadline, before its connection is dropped. */
  onRunaway?: () => void;
  /** The errors callers see, in each worker's own words. */
  errors: {
    cancelled(): Error;
    timedOut(): Error;
    /** Connecting or a statement failed (the original error, to map). */
    failed(error: unknown): Error;
  };
}

/**
 * Runs `work` in one transaction on a pooled connection, with a statement timeout, a hard deadline
 * (a statement the server did not stop in time loses its connection), cancellation, and a
 * connection that goes back to the pool only when its transaction is known to be over.
 * Shared by every worker that reads PostgreSQL (postgres, supabase, bir).
 */
export async function runSqlTransaction<C extends SqlClient, T>(pool: SqlPool<C>, options: SqlTransactionOptions<C>, work: (client: C) => Promise<T>): Promise<T> {
  const { signal, errors } = options;
  if (signal?.aborted) throw errors.cancelled();
  let client: C;
  try {
    client = await pool.connect();
  } catch (error) {
    throw errors.failed(error);
  }
  let released = false;
  let dropped = false;
  const release = (destroy: boolean): void => {
    if (released) return;
    released = true;
    client.release(destroy ? new Error('connection discarded') : undefined);
  };
  const drop = (): void => {
    dropped = true;
    release(true);
  };
  const onAbort = (): void => (options.onAbort ? options.onAbort(client, drop) : drop());
  signal?.addEventListener('abort', onAbort, { once: true });
  let runaway = false;
  const deadline = setTimeout(() => {
    runaway = true;
    options.onRunaway?.();
    drop();
  }, options.timeoutMs + (options.graceMs ?? 1_000));
  try {
    await client.query(options.readOnly ? 'BEGIN TRANSACTION READ ONLY' : 'BEGIN');
    await client.query(`SET LOCAL statement_timeout = ${Math.floor(options.timeoutMs)}`);
    const result = await work(client);
    if (!options.readOnly) {
      await client.query('COMMIT');
      release(false);
    }
    return result;
  } catch (error) {
    if (runaway) throw errors.timedOut();
    if (dropped || signal?.aborted) throw signal?.aborted ? errors.cancelled() : errors.timedOut();
    throw errors.failed(error);
  } finally {
    clearTimeout(deadline);
    signal?.removeEventListener('abort', onAbort);
    if (!released) {
      try {
        await client.query('ROLLBACK');
        release(false);
      } catch {
        release(true);
      }
    }
  }
}
