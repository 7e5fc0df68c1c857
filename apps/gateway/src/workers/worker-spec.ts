import type { SandboxEndpoints } from '@mcpgw/fakes';

interface WorkerSpecBase {
  /** Service name: the registry key and the `/mcp-<name>` slash prefix. */
  name: string;
  /** The catalog description of a plain MCP server (one that has no `mcpgw/manifest` to say it). */
  description?: string;
  /** Whether `/ready` waits for this worker. */
  required: boolean;
}

/** How to start one local worker process (spoken to over stdio). */
export interface LocalWorkerSpec extends WorkerSpecBase {
  kind?: 'local';
  /** Executable (node itself for JavaScript workers). */
  command: string;
  args: string[];
  /** The complete environment of the process (nothing else is inherited). */
  env: Record<string, string>;
  /** Working directory of the process (default: the gateway's). */
  cwd?: string;
  /** Set when the worker runs against the sandbox: the variables that point it at the sandbox's fakes. */
  sandboxEnv?: (endpoints: SandboxEndpoints) => Record<string, string>;
}

/** A worker running elsewhere, reached over MCP Streamable HTTP (WORKER_URLS). */
export interface RemoteWorkerSpec extends WorkerSpecBase {
  kind: 'remote';
  /** The worker's MCP endpoint (http or https, no credentials): the only address the gateway contacts for it. */
  url: string;
}

/** One worker the gateway runs (local) or reaches (remote). */
export type WorkerSpec = LocalWorkerSpec | RemoteWorkerSpec;

/** The URL to show for a remote worker: origin and path, never credentials or query. */
export function displayUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}
