import type { SandboxEndpoints } from '@mcpgw/fakes';

/** How to start one local worker process. */
export interface WorkerSpec {
  /** Service name: the registry key and the `/mcp-<name>` slash prefix. */
  name: string;
  /** Executable (node itself for JavaScript workers). */
  command: string;
  args: string[];
  /** The complete environment of the process (nothing else is inherited). */
  env: Record<string, string>;
  /** Working directory of the process (default: the gateway's). */
  cwd?: string;
  /** The catalog description of a plain MCP server (one that has no `mcpgw/manifest` to say it). */
  description?: string;
  /** Whether `/ready` waits for this worker. */
  required: boolean;
  /** Set when the worker runs against the sandbox: the variables that point it at the sandbox's fakes. */
  sandboxEnv?: (endpoints: SandboxEndpoints) => Record<string, string>;
}
