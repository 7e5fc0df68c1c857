import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** A worker shipped with the gateway. */
export interface BuiltinWorker {
  name: string;
  /** Absolute path of the worker's compiled entry point. */
  entry: () => string;
  /** Prefixes of environment variables the worker reads, besides `<NAME>_*`. */
  envPrefixes: readonly string[];
}

/** Workers started by default (`WORKERS=all`). */
export const BUILTIN_WORKERS: readonly BuiltinWorker[] = [
  {
    name: 'postgres',
    entry: () => require.resolve('@mcpgw/worker-postgres/main'),
    envPrefixes: ['DB_'],
  },
];
