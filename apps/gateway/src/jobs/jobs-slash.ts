import { GatewayError, type SuccessEnvelope } from '@mcpgw/protocol';
import type { Caller } from '../auth/caller.js';
import type { JobService } from './job-service.js';

const USAGE = ['/mcp-jobs status <jobId>', '/mcp-jobs list [queued|active|completed|failed|dead]', '/mcp-jobs cancel <jobId>'];

/** Whether a slash command is for the built-in `jobs` pseudo-service (answered here, not by a worker). */
export function isJobsCommand(command: string): boolean {
  return /^\/mcp-jobs(\s|$)/.test(command.trim());
}

/** `/mcp-jobs status <id>`, `/mcp-jobs list [status]`, `/mcp-jobs cancel <id>` as a success envelope. */
export async function runJobsCommand(jobs: JobService, caller: Caller, command: string, requestId: string, startedAt: number): Promise<SuccessEnvelope> {
  const [, verb, arg, ...extra] = command.trim().split(/\s+/);
  let data: unknown;
  if (verb === 'status' && arg && extra.length === 0) data = await jobs.get(caller, arg);
  else if (verb === 'cancel' && arg && extra.length === 0) data = await jobs.cancel(caller, arg);
  else if (verb === 'list' && extra.length === 0) data = await jobs.list(caller, arg ? { status: arg } : {});
  else {
    throw new GatewayError('COMMAND_NOT_RECOGNIZED', `not a jobs command; usage: ${USAGE.join(' | ')}`, { data: { usage: USAGE } });
  }
  const tool = verb === 'status' ? 'getJob' : verb === 'cancel' ? 'cancelJob' : 'listJobs';
  return {
    status: 'success',
    data: data as Record<string, unknown>,
    metadata: { executionTime: Math.round((performance.now() - startedAt) * 100) / 100, tokensUsed: 0, service: 'jobs', tool, requestId },
  };
}
