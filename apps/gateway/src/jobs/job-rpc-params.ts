import { GatewayError } from '@mcpgw/protocol';

/** The JSON-RPC methods of async jobs (docs/jobs.md). */
export const JOB_METHODS = ['mcp.submit', 'mcp.getJob', 'mcp.cancelJob', 'mcp.listJobs', 'mcp.listDeadLetters', 'mcp.replayJob'] as const;

/** A job method's params object; with `needsId`, `{jobId}` is required. */
export function jobParams(params: unknown, needsId?: true): Record<string, unknown> & { jobId: string };
export function jobParams(params: unknown, needsId: false): Record<string, unknown>;
export function jobParams(params: unknown, needsId = true): Record<string, unknown> {
  const p = params === undefined ? {} : params;
  if (p === null || typeof p !== 'object' || Array.isArray(p)) throw new GatewayError('INVALID_PARAMS', 'params must be an object');
  const record = p as Record<string, unknown>;
  if (needsId && (typeof record['jobId'] !== 'string' || record['jobId'] === '')) {
    throw new GatewayError('INVALID_PARAMS', 'this method takes {"jobId": "<id from mcp.submit>"}', { data: { issues: [{ path: 'jobId', message: 'required string' }] } });
  }
  return record;
}
