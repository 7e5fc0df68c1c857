import { toolDefiner } from '@mcpgw/worker-kit';
import { z } from 'zod';
import type { PostgresConfig } from './config.js';
import type { DatabaseSet } from './databases.js';

/** What every postgres tool receives. */
export interface PostgresDeps {
  config: PostgresConfig;
  databases: DatabaseSet;
  /** Type names by OID, per database (filled on demand). */
  typeNames: Map<string, Map<number, string>>;
}

export const postgresTool = toolDefiner<PostgresDeps>();

/** The `database` argument every tool but list_databases takes. */
export const databaseArg = z.string().min(1).describe('Database name, as listed by list_databases');
