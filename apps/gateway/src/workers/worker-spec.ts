/** How to start one local worker process. */
export interface WorkerSpec {
  /** Service name: the registry key and the `/mcp-<name>` slash prefix. */
  name: string;
  /** Executable (node itself for JavaScript workers). */
  command: string;
  args: string[];
  /** The complete environment of the process (nothing else is inherited). */
  env: Record<string, string>;
  /** Whether `/ready` waits for this worker. */
  required: boolean;
}
