import { createPrivateKey, type KeyObject } from 'node:crypto';
import { describeEnvProblems, parseWorkerEnv, type EnvSource } from '@mcpgw/worker-kit';
import { z } from 'zod';

/** How the worker proves who it is to GitHub. */
export type GithubAuthConfig =
  | { kind: 'token'; token: string }
  | { kind: 'app'; appId: string; installationId: string; privateKey: KeyObject };

/** Everything the github worker needs, parsed once from its environment. */
export interface GithubConfig {
  /** REST base URL without a trailing slash: `https://api.github.com`, or `https://<host>/api/v3` for GHES. */
  apiUrl: string;
  /** Secret material: sent to GitHub only, never logged, never returned. */
  auth: GithubAuthConfig;
  /** `X-GitHub-Api-Version` sent with every request. */
  apiVersion: string;
  /** The repository tools use when the caller names none (`owner/name`). */
  defaultRepo: { owner: string; name: string } | undefined;
  /** The branch `create_pr` proposes when the caller names none. */
  defaultHead: string | undefined;
  timeoutMs: number;
  /** Items asked for per page (`per_page`, GitHub caps it at 100). */
  pageSize: number;
  /** Most items one tool call reads across pages. */
  maxItems: number;
  /** Longest wait for a rate limit (`retry-after` or `x-ratelimit-reset`) before failing instead. */
  maxRetryWaitMs: number;
  sandbox: boolean;
}

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const blankToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankToUndefined, schema.optional());

/** `owner/name` as GitHub allows it. */
export const REPO_PATTERN = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/;
/** A git branch name, conservatively (no spaces, `..`, `~^:?*[\`, leading `-`). */
export const BRANCH_PATTERN = /^(?!-)(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9._/+-]{1,250}(?<![./])$/;

/** The worker's variables. Messages never repeat a value: the token and the private key are secrets. */
export const githubEnvSchema = z.object({
  GITHUB_TOKEN: optional(z.string().min(20, 'is too short to be a GitHub token (ghp_…, github_pat_…)')),
  GITHUB_APP_ID: optional(z.string().regex(/^\d+$/, 'must be the numeric App ID (app settings, "About")')),
  GITHUB_PRIVATE_KEY: optional(z.string().min(1)),
  GITHUB_INSTALLATION_ID: optional(z.string().regex(/^\d+$/, 'must be the numeric installation id (…/settings/installations/<id>)')),
  GITHUB_API_URL: z
    .string()
    .trim()
    .default('https://api.github.com')
    .refine((v) => /^https?:\/\/[^\s/]+/.test(v) && URL.canParse(v), 'must be an http(s) URL such as https://api.github.com or https://ghe.example.com/api/v3'),
  GITHUB_API_VERSION: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a REST API version date such as 2022-11-28').default('2022-11-28'),
  GITHUB_DEFAULT_REPO: optional(z.string().regex(REPO_PATTERN, 'must be owner/name, e.g. acme/platform')),
  GITHUB_DEFAULT_HEAD: optional(z.string().regex(BRANCH_PATTERN, 'must be a branch name, e.g. feature/add-feature')),
  GITHUB_TIMEOUT_MS: int(100, 600_000).default(15_000),
  GITHUB_PAGE_SIZE: int(1, 100).default(100),
  GITHUB_MAX_ITEMS: int(1, 10_000).default(500),
  GITHUB_MAX_RETRY_WAIT_MS: int(0, 600_000).default(20_000),
  GITHUB_SANDBOX: z
    .enum(['true', 'false', '1', '0', ''])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
});

const APP_VARIABLES = ['GITHUB_APP_ID', 'GITHUB_PRIVATE_KEY', 'GITHUB_INSTALLATION_ID'] as const;

export type GithubConfigResult = { ok: true; config: GithubConfig } | { ok: false; missing: string[]; reason: string };

/**
 * Reads the worker's variables: a token (GITHUB_TOKEN), or a GitHub App (all three of GITHUB_APP_ID,
 * GITHUB_PRIVATE_KEY, GITHUB_INSTALLATION_ID), never both. Problems come back as a reason naming the
 * variables, never as an exception and never with a secret in it.
 */
export function loadGithubConfig(env: EnvSource): GithubConfigResult {
  const parsed = parseWorkerEnv(githubEnvSchema, env);
  if (!parsed.ok) return { ok: false, missing: parsed.missing, reason: describeEnvProblems(parsed) };
  const e = parsed.config;
  const appSet = APP_VARIABLES.filter((name) => e[name] !== undefined);
  if (e.GITHUB_TOKEN !== undefined && appSet.length > 0) {
    return { ok: false, missing: [], reason: `set either GITHUB_TOKEN or the GitHub App variables (${APP_VARIABLES.join(', ')}), not both` };
  }
  let auth: GithubAuthConfig;
  if (e.GITHUB_TOKEN !== undefined) {
    auth = { kind: 'token', token: e.GITHUB_TOKEN.trim() };
  } else if (appSet.length === 0) {
    return { ok: false, missing: ['GITHUB_TOKEN'], reason: `set GITHUB_TOKEN (a personal access token), or a GitHub App: ${APP_VARIABLES.join(', ')}` };
  } else if (appSet.length < APP_VARIABLES.length) {
    const missing = APP_VARIABLES.filter((name) => e[name] === undefined);
    return { ok: false, missing, reason: `set ${missing.join(', ')} too: a GitHub App needs ${APP_VARIABLES.join(', ')}` };
  } else {
    const key = readPrivateKey(e.GITHUB_PRIVATE_KEY!);
    if (!key) {
      return { ok: false, missing: [], reason: 'GITHUB_PRIVATE_KEY is invalid: it must be the App\'s RSA private key in PEM form (-----BEGIN RSA PRIVATE KEY----- …), newlines as is or as \\n' };
    }
    auth = { kind: 'app', appId: e.GITHUB_APP_ID!, installationId: e.GITHUB_INSTALLATION_ID!, privateKey: key };
  }
  const repo = e.GITHUB_DEFAULT_REPO === undefined ? undefined : REPO_PATTERN.exec(e.GITHUB_DEFAULT_REPO);
  return {
    ok: true,
    config: {
      apiUrl: e.GITHUB_API_URL.replace(/\/+$/, ''),
      auth,
      apiVersion: e.GITHUB_API_VERSION,
      defaultRepo: repo ? { owner: repo[1]!, name: repo[2]! } : undefined,
      defaultHead: e.GITHUB_DEFAULT_HEAD,
      timeoutMs: e.GITHUB_TIMEOUT_MS,
      pageSize: e.GITHUB_PAGE_SIZE,
      maxItems: e.GITHUB_MAX_ITEMS,
      maxRetryWaitMs: e.GITHUB_MAX_RETRY_WAIT_MS,
      sandbox: e.GITHUB_SANDBOX,
    },
  };
}

/** The App's RSA key from PEM text (literal `\n` escapes allowed, as env files often hold it); undefined when unreadable. */
function readPrivateKey(text: string): KeyObject | undefined {
  const pem = text.includes('\\n') ? text.replace(/\\n/g, '\n') : text;
  try {
    const key = createPrivateKey({ key: pem.trim(), format: 'pem' });
    return key.asymmetricKeyType === 'rsa' ? key : undefined;
  } catch {
    return undefined;
  }
}
