import { toolDefiner } from '@mcpgw/worker-kit';
import { z } from 'zod';
import type { N8nConfig } from './config.js';
import type { N8nClient } from './n8n-client.js';

/** What every n8n tool receives. */
export interface N8nDeps {
  config: N8nConfig;
  client: N8nClient;
}

export const n8nTool = toolDefiner<N8nDeps>();

/** A workflow id as n8n shows it (16 characters in current versions, numeric in old ones). */
export const workflowIdArg = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'a workflow id has letters, digits, _ and - only (see list_workflows)')
  .describe('Workflow id, e.g. workflow_123 (list_workflows shows them)');

/** An execution id (numeric in n8n; other letters are accepted for other installations). */
export const executionIdArg = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'an execution id has letters, digits, _ and - only (see list_executions)')
  .describe('Execution id, e.g. exec_456 or 1042 (list_executions shows them)');

/** A `nextCursor` from an earlier answer. */
export const cursorArg = z.string().trim().min(1).max(2_000).describe('Continue a listing: the nextCursor of the previous answer');

/** `limit`: how many items one call returns, across pages (capped by N8N_MAX_ITEMS). */
export const limitArg = (fallback: number) =>
  z.number().int().min(1).max(10_000).default(fallback).describe(`At most this many items (default ${fallback}; never more than N8N_MAX_ITEMS); pages are followed as needed`);

/** n8n's execution statuses (integrations.md §6.2). */
export const EXECUTION_STATUSES = ['canceled', 'crashed', 'error', 'new', 'running', 'success', 'unknown', 'waiting'] as const;
