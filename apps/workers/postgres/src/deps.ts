import { toolDefiner } from '@mcpgw/worker-kit';
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
