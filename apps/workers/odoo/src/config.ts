import { describeEnvProblems, parseWorkerEnv, type EnvSource } from '@mcpgw/worker-kit';
import { z } from 'zod';

/** The finance models of integrations.md §1.7 (plus companies and journals): what search_read may read by default. */
export const DEFAULT_ALLOWED_MODELS = [
  'account.move',
  'account.payment',
  'res.partner',
  'res.company',
  'account.journal',
  'queue.job',
  'ir.cron',
  'ir.logging',
  'mail.activity',
] as const;

/** Everything the odoo worker needs, parsed once from its environment. */
export interface OdooConfig {
  /** Base URL of the Odoo server, without a trailing slash (`/jsonrpc` is appended). */
  url: string;
  db: string;
  username: string;
  /** Secret: sent to Odoo only, never logged, never returned. */
  apiKey: string;
  /** Per-request timeout. */
  timeoutMs: number;
  /** Cap on the rows one tool call returns. */
  maxRows: number;
  /** Models the generic search_read may read. */
  allowedModels: string[];
  /** The gateway points this worker at a fake Odoo (sandbox mode): answers are marked as such. */
  sandbox: boolean;
}

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const MODEL_NAME = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;

/** The worker's variables: the four credentials are required, the rest have defaults. */
export const odooEnvSchema = z.object({
  ODOO_URL: z
    .string()
    .trim()
    .min(1)
    .refine((value) => /^https?:\/\/[^\s/]+/.test(value) && URL.canParse(value), 'must be an http:// or https:// URL such as https://erp.example.com'),
  ODOO_DB: z.string().trim().min(1),
  ODOO_USERNAME: z.string().trim().min(1),
  ODOO_API_KEY: z.string().min(1),
  ODOO_TIMEOUT_MS: int(100, 600_000).default(15_000),
  ODOO_MAX_ROWS: int(1, 100_000).default(500),
  ODOO_ALLOWED_MODELS: z
    .string()
    .optional()
    .transform((value) => (value === undefined || value.trim() === '' ? [...DEFAULT_ALLOWED_MODELS] : splitList(value)))
    .refine((models) => models.length > 0 && models.every((m) => MODEL_NAME.test(m)), 'must be a comma-separated list of model names such as account.move,res.partner'),
  ODOO_SANDBOX: z
    .enum(['true', 'false', '1', '0', ''])
    .optional()
    .transform((value) => value === 'true' || value === '1'),
});

function splitList(value: string): string[] {
  return [...new Set(value.split(',').map((m) => m.trim()).filter(Boolean))];
}

export type OdooConfigResult = { ok: true; config: OdooConfig } | { ok: false; missing: string[]; reason: string };

/** Reads the worker's variables; problems come back as a reason naming the variables, never as an exception. */
export function loadOdooConfig(env: EnvSource): OdooConfigResult {
  const parsed = parseWorkerEnv(odooEnvSchema, env);
  if (!parsed.ok) {
    // The kit's message quotes zod's, which never repeats the value: safe even for ODOO_API_KEY.
    return { ok: false, missing: parsed.missing, reason: describeEnvProblems(parsed) };
  }
  const e = parsed.config;
  return {
    ok: true,
    config: {
      url: e.ODOO_URL.replace(/\/+$/, ''),
      db: e.ODOO_DB,
      username: e.ODOO_USERNAME,
      apiKey: e.ODOO_API_KEY,
      timeoutMs: e.ODOO_TIMEOUT_MS,
      maxRows: e.ODOO_MAX_ROWS,
      allowedModels: e.ODOO_ALLOWED_MODELS,
      sandbox: e.ODOO_SANDBOX,
    },
  };
}
