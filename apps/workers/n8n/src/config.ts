import { describeEnvProblems, parseWorkerEnv, type EnvSource } from '@mcpgw/worker-kit';
import { z } from 'zod';

/** Everything the n8n worker needs, parsed once from its environment. */
export interface N8nConfig {
  /** The instance's base URL without a trailing slash or `/api/v1`, e.g. `https://n8n.example.com`. */
  baseUrl: string;
  /** Base of production webhook URLs (`<webhookUrl>/webhook/<path>`): N8N_WEBHOOK_URL, else `baseUrl`. */
  webhookUrl: string;
  /** Secret: sent to n8n in `X-N8N-API-KEY` only, never logged, never returned. */
  apiKey: string;
  /** Per-request timeout. */
  timeoutMs: number;
  /** Items asked for per page (`limit`, n8n's maximum is 250). */
  pageSize: number;
  /** Most items one tool call returns, across pages. */
  maxItems: number;
  /** Pointed at the gateway's fake n8n (sandbox mode): answers are marked as such. */
  sandbox: boolean;
}

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const blankToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const httpUrl = (example: string) =>
  z
    .string()
    .trim()
    .refine((value) => /^https?:\/\/[^\s/]+/.test(value) && URL.canParse(value), `must be an http:// or https:// URL such as ${example}`);

/** The worker's variables: the URL and the key are required, the rest have defaults. Messages never repeat a value. */
export const n8nEnvSchema = z.object({
  N8N_API_URL: httpUrl('https://n8n.example.com (or …/api/v1)'),
  N8N_API_KEY: z.string().min(1),
  N8N_WEBHOOK_URL: z.preprocess(blankToUndefined, httpUrl('https://hooks.example.com').optional()),
  N8N_TIMEOUT_MS: int(100, 600_000).default(15_000),
  N8N_PAGE_SIZE: int(1, 250).default(100),
  N8N_MAX_ITEMS: int(1, 10_000).default(500),
  N8N_SANDBOX: z
    .enum(['true', 'false', '1', '0', ''])
    .default('false')
    .transform((value) => value === 'true' || value === '1'),
});

export type N8nConfigResult = { ok: true; config: N8nConfig } | { ok: false; missing: string[]; reason: string };

/** `https://n8n.example.com/api/v1/` → `https://n8n.example.com`: the API and webhook paths are added by the client. */
export function instanceBase(url: string): string {
  return url.trim().replace(/\/+$/, '').replace(/\/api\/v1$/, '').replace(/\/+$/, '');
}

/** Reads the worker's variables; problems come back as a reason naming the variables, never as an exception. */
export function loadN8nConfig(env: EnvSource): N8nConfigResult {
  const parsed = parseWorkerEnv(n8nEnvSchema, env);
  if (!parsed.ok) return { ok: false, missing: parsed.missing, reason: describeEnvProblems(parsed) };
  const e = parsed.config;
  const baseUrl = instanceBase(e.N8N_API_URL);
  return {
    ok: true,
    config: {
      baseUrl,
      webhookUrl: e.N8N_WEBHOOK_URL === undefined ? baseUrl : instanceBase(e.N8N_WEBHOOK_URL),
      apiKey: e.N8N_API_KEY,
      timeoutMs: e.N8N_TIMEOUT_MS,
      pageSize: e.N8N_PAGE_SIZE,
      maxItems: e.N8N_MAX_ITEMS,
      sandbox: e.N8N_SANDBOX,
    },
  };
}
