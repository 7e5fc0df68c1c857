import { describeEnvProblems, parseWorkerEnv, type EnvSource } from '@mcpgw/worker-kit';
import { z } from 'zod';

/** The hosted platform's base URL (integrations.md §7.1). */
export const MEM0_PLATFORM_URL = 'https://api.mem0.ai';

/**
 * Which API the worker speaks: the hosted platform (`/v1/memories/`, `Authorization: Token`, trailing
 * slashes) or the open-source REST server (`/memories`, `/search`, optional `X-API-Key`).
 */
export type Mem0ApiKind = 'platform' | 'server';

/** Everything the mem0 worker needs, parsed once from its environment. */
export interface Mem0Config {
  kind: Mem0ApiKind;
  /** Base URL without a trailing slash. */
  url: string;
  /** Secret: sent to Mem0 only, never logged, never returned. Undefined: a server without auth. */
  apiKey: string | undefined;
  /** Platform only: the organization and project the key acts in (multi-tenant keys). */
  orgId: string | undefined;
  projectId: string | undefined;
  /** Per-request timeout. */
  timeoutMs: number;
  /** Most memories one tool call returns. */
  maxResults: number;
  /** Memories asked for per page when listing (platform `POST /v2/memories/`). */
  pageSize: number;
  /** Pointed at the sandbox's fake Mem0: answers are marked as such. */
  sandbox: boolean;
}

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const blankToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const ID = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/;

/** The worker's variables. Messages never repeat a value: the key is a secret. */
export const mem0EnvSchema = z.object({
  MEM0_API_URL: z.preprocess(
    blankToUndefined,
    z
      .string()
      .trim()
      .refine((value) => /^https?:\/\/[^\s/]+/.test(value) && URL.canParse(value), 'must be an http:// or https:// URL such as http://mem0.internal:8888')
      .optional(),
  ),
  MEM0_API_KEY: z.preprocess(blankToUndefined, z.string().min(8, 'is too short to be a Mem0 API key').optional()),
  MEM0_API_KIND: z.enum(['auto', 'platform', 'server']).default('auto'),
  MEM0_ORG_ID: z.preprocess(blankToUndefined, z.string().regex(ID, 'must be an id (letters, digits, _ . : @ -)').optional()),
  MEM0_PROJECT_ID: z.preprocess(blankToUndefined, z.string().regex(ID, 'must be an id (letters, digits, _ . : @ -)').optional()),
  MEM0_TIMEOUT_MS: int(100, 600_000).default(15_000),
  MEM0_MAX_RESULTS: int(1, 10_000).default(200),
  MEM0_PAGE_SIZE: int(1, 1_000).default(100),
  MEM0_SANDBOX: z
    .enum(['true', 'false', '1', '0', ''])
    .default('false')
    .transform((value) => value === 'true' || value === '1'),
});

export type Mem0ConfigResult = { ok: true; config: Mem0Config } | { ok: false; missing: string[]; reason: string };

/**
 * Reads the worker's variables. MEM0_API_KEY alone means the hosted platform; MEM0_API_URL alone a
 * self-hosted server without auth; both a platform-compatible URL (when its host is api.mem0.ai) or a
 * server that wants the key as X-API-Key — MEM0_API_KIND overrides the guess. Problems come back as
 * a reason naming the variables, never as an exception.
 */
export function loadMem0Config(env: EnvSource): Mem0ConfigResult {
  const parsed = parseWorkerEnv(mem0EnvSchema, env);
  if (!parsed.ok) return { ok: false, missing: parsed.missing, reason: describeEnvProblems(parsed) };
  const e = parsed.config;
  if (e.MEM0_API_URL === undefined && e.MEM0_API_KEY === undefined) {
    return {
      ok: false,
      missing: ['MEM0_API_URL', 'MEM0_API_KEY'],
      reason: 'set MEM0_API_KEY (the hosted platform, api.mem0.ai) or MEM0_API_URL (a self-hosted Mem0 server)',
    };
  }
  const url = (e.MEM0_API_URL ?? MEM0_PLATFORM_URL).replace(/\/+$/, '');
  const kind: Mem0ApiKind = e.MEM0_API_KIND === 'auto' ? guessKind(url, e.MEM0_API_URL !== undefined, e.MEM0_API_KEY !== undefined) : e.MEM0_API_KIND;
  if (kind === 'platform' && e.MEM0_API_KEY === undefined) {
    return { ok: false, missing: ['MEM0_API_KEY'], reason: 'set MEM0_API_KEY: the hosted platform API needs a key (Authorization: Token …)' };
  }
  return {
    ok: true,
    config: {
      kind,
      url,
      apiKey: e.MEM0_API_KEY,
      orgId: e.MEM0_ORG_ID,
      projectId: e.MEM0_PROJECT_ID,
      timeoutMs: e.MEM0_TIMEOUT_MS,
      maxResults: e.MEM0_MAX_RESULTS,
      pageSize: e.MEM0_PAGE_SIZE,
      sandbox: e.MEM0_SANDBOX,
    },
  };
}

function guessKind(url: string, hasUrl: boolean, hasKey: boolean): Mem0ApiKind {
  if (!hasUrl) return 'platform';
  if (!hasKey) return 'server';
  return new URL(url).hostname === 'api.mem0.ai' ? 'platform' : 'server';
}
