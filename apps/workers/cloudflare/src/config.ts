import { isAbsolute } from 'node:path';
import { describeEnvProblems, parseWorkerEnv, type EnvSource } from '@mcpgw/worker-kit';
import { z } from 'zod';

/** Cloudflare's API base (integrations.md §5.1). */
export const DEFAULT_API_URL = 'https://api.cloudflare.com/client/v4';

/** Stream's basic POST upload takes files up to 200 MB; larger ones need tus, which this worker does not speak. */
export const BASIC_UPLOAD_LIMIT_BYTES = 200 * 1024 * 1024;

/** Everything the cloudflare worker needs, parsed once from its environment. */
export interface CloudflareConfig {
  /** API base without a trailing slash, e.g. `https://api.cloudflare.com/client/v4`. */
  apiUrl: string;
  /** Secret: sent as `Authorization: Bearer`, never logged or returned. */
  apiToken: string;
  /** 32 hex characters: Workers scripts and Stream live under the account. */
  accountId: string;
  /** Zone (name or id) used when a DNS or cache tool names none. */
  defaultZone: string | undefined;
  /** Per-request timeout. */
  timeoutMs: number;
  /** Timeout of one Stream file upload (the whole body). */
  uploadTimeoutMs: number;
  /** `per_page` asked for on page-based lists. */
  pageSize: number;
  /** Most items one list call returns, whatever `limit` asks (pages are followed up to it). */
  maxItems: number;
  /** Local files may be uploaded only from under this directory; unset: local uploads are refused. */
  uploadRoot: string | undefined;
  /** Largest local file uploaded. */
  uploadMaxBytes: number;
  /** The gateway points this worker at a fake Cloudflare (sandbox mode). */
  sandbox: boolean;
}

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

/** The worker's variables: the token and account id are required, the rest have defaults. */
export const cloudflareEnvSchema = z.object({
  CLOUDFLARE_API_TOKEN: z
    .string()
    .min(1)
    .refine((value) => !/\s/.test(value.trim()) && value.trim().length >= 20, 'must be an API token (My Profile / Account > API Tokens), not a Global API Key with e-mail'),
  CLOUDFLARE_ACCOUNT_ID: z
    .string()
    .trim()
    .regex(/^[0-9a-fA-F]{32}$/, 'must be the 32-character hex account id (dashboard > Account home > Account ID)'),
  CLOUDFLARE_ZONE: optionalText.refine(
    (value) => value === undefined || /^[0-9a-fA-F]{32}$/.test(value) || /^([a-z0-9-]+\.)+[a-z]{2,}$/i.test(value),
    'must be a zone name such as example.com or a 32-character zone id',
  ),
  CLOUDFLARE_API_URL: z
    .string()
    .trim()
    .default(DEFAULT_API_URL)
    .refine((value) => /^https?:\/\/[^\s/]+/.test(value) && URL.canParse(value), 'must be an http:// or https:// URL such as https://api.cloudflare.com/client/v4'),
  CLOUDFLARE_TIMEOUT_MS: int(100, 600_000).default(15_000),
  CLOUDFLARE_UPLOAD_TIMEOUT_MS: int(1_000, 3_600_000).default(600_000),
  CLOUDFLARE_PAGE_SIZE: int(5, 50).default(50),
  CLOUDFLARE_MAX_ITEMS: int(1, 100_000).default(1_000),
  CLOUDFLARE_UPLOAD_ROOT: optionalText.refine((value) => value === undefined || isAbsolute(value), 'must be an absolute directory path such as /srv/media'),
  CLOUDFLARE_UPLOAD_MAX_BYTES: int(1, BASIC_UPLOAD_LIMIT_BYTES).default(BASIC_UPLOAD_LIMIT_BYTES),
  CLOUDFLARE_SANDBOX: z
    .enum(['true', 'false', '1', '0', ''])
    .optional()
    .transform((value) => value === 'true' || value === '1'),
});

export type CloudflareConfigResult = { ok: true; config: CloudflareConfig } | { ok: false; missing: string[]; reason: string };

/** Reads the worker's variables; problems come back as a reason naming the variables, never as an exception. */
export function loadCloudflareConfig(env: EnvSource): CloudflareConfigResult {
  const parsed = parseWorkerEnv(cloudflareEnvSchema, env);
  if (!parsed.ok) {
    // zod's messages never repeat the value: safe for CLOUDFLARE_API_TOKEN.
    return { ok: false, missing: parsed.missing, reason: describeEnvProblems(parsed) };
  }
  const e = parsed.config;
  return {
    ok: true,
    config: {
      apiUrl: e.CLOUDFLARE_API_URL.replace(/\/+$/, ''),
      apiToken: e.CLOUDFLARE_API_TOKEN.trim(),
      accountId: e.CLOUDFLARE_ACCOUNT_ID.toLowerCase(),
      defaultZone: e.CLOUDFLARE_ZONE,
      timeoutMs: e.CLOUDFLARE_TIMEOUT_MS,
      uploadTimeoutMs: e.CLOUDFLARE_UPLOAD_TIMEOUT_MS,
      pageSize: e.CLOUDFLARE_PAGE_SIZE,
      maxItems: e.CLOUDFLARE_MAX_ITEMS,
      uploadRoot: e.CLOUDFLARE_UPLOAD_ROOT,
      uploadMaxBytes: e.CLOUDFLARE_UPLOAD_MAX_BYTES,
      sandbox: e.CLOUDFLARE_SANDBOX,
    },
  };
}
