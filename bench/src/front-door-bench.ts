import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { REPO_ROOT, TEST_WORKER_ENTRY, getJson, metricValue, postJson, scrape, startGateway, waitFor, type GatewayProcess, type Sample } from '@mcpgw/test-support';
import { cpuMicros, load, table, type LoadSettings, type Row } from './autocannon-load.js';
import { RespClient } from './resp-client.js';

/**
 * The front door under load: `mcp.execute` through the gateway as a local caller with no rate
 * limit (the baseline: the spine's unauthenticated path), with an API key and the in-memory
 * limiter, with an API key and the Redis limiter, and (optionally) with an HS256 JWT. Each is one
 * gateway started once; the paths are measured interleaved, round after round, so that drift of
 * a shared machine hits them all alike, and each is judged by the ratio of its median to the
 * baseline's median.
 */

/** The front-door paths. */
export type FrontDoorVariantId = 'baseline' | 'key-memory' | 'key-redis' | 'jwt';

/** Options of {@link benchFrontDoor}. */
export interface FrontDoorOptions {
  load: LoadSettings;
  /** Interleaved rounds (each measures every path once); medians are over rounds. */
  rounds: number;
  /** The Redis the Redis-limiter gateway uses; its bench keys are deleted afterwards. */
  redisUrl: string;
  /** Also measure the JWT path. */
  jwt: boolean;
  /** Progress lines. */
  progress?: (line: string) => void;
}

/** Medians over rounds of one path. */
export interface FrontDoorMedians {
  reqPerSec: number;
  p50: number;
  p99: number;
  /** Gateway process CPU per request (µs). */
  gatewayCpuUs: number;
  /** Echo worker CPU per request (µs). */
  workerCpuUs: number;
  /** redis-server CPU per request (µs), on the Redis path when its process can be read. */
  redisCpuUs: number | undefined;
}

/** One path's results. */
export interface FrontDoorVariantResult {
  id: FrontDoorVariantId;
  path: string;
  /** Minimum `median / baseline median`; none for the baseline and the JWT path. */
  target: number | undefined;
  runs: Row[];
  median: FrontDoorMedians;
  /** Errors (including non-2xx) over every round. */
  errors: number;
  /** `median.reqPerSec / baseline median.reqPerSec`. */
  ratio: number;
  /** The same ratio inside each round. */
  roundRatios: number[];
  /**
   * Baseline server CPU per request ÷ this path's (gateway + worker, + redis-server on the Redis
   * path): what the ratio would be if throughput were bound by that CPU alone. Steadier than req/s
   * on a shared machine; a hint, not the target.
   */
  cpuRatio: number;
  /** Everything that makes the measurement invalid (wrong auth method, Redis fallback, lost audit rows...). */
  problems: string[];
  /** Against the target: ratio, zero errors, no problems. Undefined without a target. */
  verdict: 'PASS' | 'FAIL' | undefined;
}

/** What {@link benchFrontDoor} measured. */
export interface FrontDoorResult {
  connections: number;
  durationSec: number;
  rounds: number;
  variants: FrontDoorVariantResult[];
}

interface VariantSpec {
  id: FrontDoorVariantId;
  path: string;
  target: number | undefined;
  /** The auth method every request must be counted under (mcp_auth_success_total). */
  method: 'local' | 'api_key' | 'jwt';
  /** Whether a rate limit decision is taken on every call (RateLimit-* headers present). */
  limited: boolean;
  env: Record<string, string>;
}

interface Prepared {
  spec: VariantSpec;
  gateway: GatewayProcess;
  workerPid: number;
  headers: Record<string, string>;
}

/** Large enough never to refuse a call in a bench run (the config's maximum). */
const NEVER_REFUSE = '100000000';
const BODY = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'mcp.execute', params: { service: 'echo', tool: 'echo', arguments: { message: 'hi' } } });
const METHODS = ['local', 'api_key', 'jwt'] as const;
const execFileAsync = promisify(execFile);

/** Runs the front-door bench: starts one gateway per path, measures them interleaved, stops them. */
export async function benchFrontDoor(options: FrontDoorOptions): Promise<FrontDoorResult> {
  const progress = options.progress ?? (() => undefined);
  const redisPrefix = `mcpgw-bench-${randomBytes(4).toString('hex')}:`;
  const redisPid = await checkRedis(options.redisUrl);
  const specs = variantSpecs(options.redisUrl, redisPrefix, options.jwt);

  const prepared: Prepared[] = [];
  try {
    for (const spec of specs) {
      progress(`starting the gateway for ${spec.path}`);
      prepared.push(await prepare(spec));
    }
    const runs = new Map<FrontDoorVariantId, Row[]>(specs.map((s) => [s.id, []]));
    const redisCpu: number[] = [];
    const problems = new Map<FrontDoorVariantId, Set<string>>(specs.map((s) => [s.id, new Set()]));
    for (let round = 1; round <= options.rounds; round++) {
      for (const p of prepared) {
        progress(`round ${round}/${options.rounds}: ${p.spec.path}`);
        // The previous run's audit rows are written to the same PostgreSQL: let them land first.
        await Promise.all(prepared.map((other) => auditDrained(other.gateway)));
        const before = await scrape(p.gateway.metricsUrl);
        const redisBefore = p.spec.id === 'key-redis' && redisPid !== undefined ? readCpu(redisPid) : undefined;
        const row = await load(
          p.spec.path,
          { url: `${p.gateway.url}/mcp/rpc`, method: 'POST', headers: p.headers, body: BODY },
          [p.gateway.pid, p.workerPid],
          options.load,
        );
        if (redisBefore !== undefined) {
          const after = readCpu(redisPid!);
          if (after !== undefined && row.requests > 0) redisCpu.push(Math.round(((after - redisBefore) / row.requests) * 10) / 10);
        }
        runs.get(p.spec.id)!.push(row);
        for (const problem of checkMetrics(p.spec, before, await scrape(p.gateway.metricsUrl))) problems.get(p.spec.id)!.add(problem);
      }
    }
    for (const p of prepared) {
      await auditDrained(p.gateway);
      const dropped = metricValue(await scrape(p.gateway.metricsUrl), 'mcp_audit_rows_dropped_total');
      if (dropped > 0) problems.get(p.spec.id)!.add(`${dropped} audit rows dropped`);
    }

    const medians = new Map(specs.map((spec) => [spec.id, mediansOf(runs.get(spec.id)!, spec.id === 'key-redis' ? redisCpu : [])]));
    const baselineRuns = runs.get('baseline')!;
    const baseline = medians.get('baseline')!;
    const variants = specs.map((spec): FrontDoorVariantResult => {
      const rows = runs.get(spec.id)!;
      const m = medians.get(spec.id)!;
      const errors = rows.reduce((sum, r) => sum + r.errors, 0);
      const ratio = baseline.reqPerSec > 0 ? m.reqPerSec / baseline.reqPerSec : 0;
      const found = [...problems.get(spec.id)!];
      return {
        id: spec.id,
        path: spec.path,
        target: spec.target,
        runs: rows,
        median: m,
        errors,
        ratio,
        roundRatios: rows.map((r, i) => r.reqPerSec / (baselineRuns[i]?.reqPerSec || Number.NaN)),
        cpuRatio: serverCpu(m) > 0 ? serverCpu(baseline) / serverCpu(m) : 0,
        problems: found,
        verdict: spec.target === undefined ? undefined : ratio >= spec.target && errors === 0 && found.length === 0 ? 'PASS' : 'FAIL',
      };
    });
    return { connections: options.load.connections, durationSec: options.load.durationSec, rounds: options.rounds, variants };
  } finally {
    await Promise.all(prepared.map((p) => p.gateway.stop()));
    const deleted = await withRedis(options.redisUrl, (redis) => redis.deleteKeysWithPrefix(redisPrefix)).catch(() => undefined);
    progress(`stopped the gateways; deleted ${deleted ?? 'no'} Redis keys under the bench prefix`);
  }
}

/** The table, the ratios against their targets, and any problem that voids a row. */
export function formatFrontDoor(result: FrontDoorResult): string {
  const baseline = result.variants.find((v) => v.id === 'baseline')!;
  const lines: string[] = [];
  lines.push(
    `Front door: mcp.execute on /mcp/rpc → echo worker, c=${result.connections}, ${result.durationSec} s per run, ${result.rounds} interleaved rounds; medians over rounds\n`,
  );
  lines.push(
    table(
      ['path', 'req/s (median)', 'req/s per round', 'p50 / p99 ms', 'errors', 'ratio to baseline', 'ratio per round', 'gateway CPU µs/req', 'worker CPU µs/req', 'redis CPU µs/req', 'CPU-cost ratio'],
      result.variants.map((v) => [
        v.path,
        v.median.reqPerSec,
        v.runs.map((r) => r.reqPerSec).join(' / '),
        `${v.median.p50} / ${v.median.p99}`,
        v.errors,
        v.ratio.toFixed(2),
        v.roundRatios.map((r) => r.toFixed(2)).join(' / '),
        v.median.gatewayCpuUs,
        v.median.workerCpuUs,
        v.median.redisCpuUs ?? '',
        v.cpuRatio.toFixed(2),
      ]),
    ),
  );
  lines.push('');
  for (const v of result.variants) {
    if (v.id === 'baseline') continue;
    const extra = v.median.gatewayCpuUs - baseline.median.gatewayCpuUs;
    const target = v.target === undefined ? 'no target' : `target ≥ ${v.target.toFixed(2)}: ${v.verdict}`;
    lines.push(
      `${v.path}: ${v.ratio.toFixed(2)} of the baseline (${target}; median of the per-round ratios ${median(v.roundRatios).toFixed(2)}); ` +
        `${v.errors} errors; gateway CPU ${extra >= 0 ? '+' : ''}${extra.toFixed(1)} µs/req over the baseline`,
    );
  }
  for (const v of result.variants) for (const problem of v.problems) lines.push(`PROBLEM (${v.path}): ${problem}`);
  return lines.join('\n');
}

function mediansOf(rows: Row[], redisCpu: number[]): FrontDoorMedians {
  return {
    reqPerSec: Math.round(median(rows.map((r) => r.reqPerSec))),
    p50: round1(median(rows.map((r) => r.p50))),
    p99: round1(median(rows.map((r) => r.p99))),
    gatewayCpuUs: round1(median(rows.map((r) => r.cpuUsPerPid[0] ?? 0))),
    workerCpuUs: round1(median(rows.map((r) => r.cpuUsPerPid[1] ?? 0))),
    redisCpuUs: redisCpu.length > 0 ? round1(median(redisCpu)) : undefined,
  };
}

/** Server CPU per request: gateway + worker (+ redis-server when measured). */
const serverCpu = (m: FrontDoorMedians): number => m.gatewayCpuUs + m.workerCpuUs + (m.redisCpuUs ?? 0);

function variantSpecs(redisUrl: string, redisPrefix: string, jwt: boolean): VariantSpec[] {
  const specs: VariantSpec[] = [
    { id: 'baseline', path: 'mcp.execute (local, no limiter)', target: undefined, method: 'local', limited: false, env: { RATE_LIMIT_MAX_REQUESTS: '0' } },
    { id: 'key-memory', path: 'mcp.execute (API key, memory limiter)', target: 0.85, method: 'api_key', limited: true, env: { RATE_LIMIT_MAX_REQUESTS: NEVER_REFUSE } },
    {
      id: 'key-redis',
      path: 'mcp.execute (API key, Redis limiter)',
      target: 0.65,
      method: 'api_key',
      limited: true,
      env: { RATE_LIMIT_MAX_REQUESTS: NEVER_REFUSE, REDIS_URL: redisUrl, REDIS_KEY_PREFIX: redisPrefix },
    },
  ];
  if (jwt) {
    specs.push({
      id: 'jwt',
      path: 'mcp.execute (JWT HS256, memory limiter)',
      target: undefined,
      method: 'jwt',
      limited: true,
      env: { RATE_LIMIT_MAX_REQUESTS: NEVER_REFUSE, JWT_SECRET: randomBytes(36).toString('base64url') },
    });
  }
  return specs;
}

async function prepare(spec: VariantSpec): Promise<Prepared> {
  const gateway = await startGateway({ env: { WORKERS: 'none', EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}`, ...spec.env } });
  try {
    const workerPid = (await getJson<{ workers: { pid: number }[] }>(`${gateway.url}/health/detailed`)).body.workers[0]!.pid;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (spec.method === 'api_key') headers['x-mcp-key'] = await createKey(gateway);
    if (spec.method === 'jwt') headers['authorization'] = `Bearer ${await signToken(gateway, spec.env['JWT_SECRET']!)}`;
    await preflight(spec, gateway, headers);
    return { spec, gateway, workerPid, headers };
  } catch (error) {
    await gateway.stop();
    throw error;
  }
}

/** An API key for the echo service, through the admin API (a local caller has the admin scope). */
async function createKey(gateway: GatewayProcess): Promise<string> {
  const created = await postJson<{ key?: string }>(`${gateway.url}/admin/keys`, { name: 'bench-agent', scopes: ['echo'] });
  if (created.status !== 201 || typeof created.body.key !== 'string') throw new Error(`POST /admin/keys answered ${created.status}`);
  return created.body.key;
}

/** An HS256 token from the CLI (`mcpgw token sign`), as an operator would issue it. */
async function signToken(gateway: GatewayProcess, secret: string): Promise<string> {
  const cli = `${REPO_ROOT}apps/gateway/dist/cli.js`;
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (pnpm build)`);
  // cwd: the gateway's data directory, so no .env of the checkout leaks in.
  const { stdout } = await execFileAsync(process.execPath, [cli, 'token', 'sign', '--sub', 'bench-jwt', '--scopes', 'echo', '--ttl', '1h'], {
    cwd: gateway.dataDir,
    env: { PATH: process.env['PATH'] ?? '', JWT_SECRET: secret },
  });
  const token = stdout.trim();
  if (token.split('.').length !== 3) throw new Error('mcpgw token sign did not print a JWT');
  return token;
}

/** One call answered as expected, before any load: a fast wrong answer is not a result. */
async function preflight(spec: VariantSpec, gateway: GatewayProcess, headers: Record<string, string>): Promise<void> {
  const response = await fetch(`${gateway.url}/mcp/rpc`, { method: 'POST', headers, body: BODY });
  const body = (await response.json()) as { result?: { status?: string }; error?: { code: number; message: string } };
  if (response.status !== 200 || body.result?.status !== 'success') {
    throw new Error(`${spec.path}: the first call answered ${response.status} ${JSON.stringify(body.error ?? body).slice(0, 300)}`);
  }
  if (response.headers.has('ratelimit-limit') !== spec.limited) {
    throw new Error(`${spec.path}: RateLimit-Limit header ${spec.limited ? 'missing' : 'present'}: the limiter is ${spec.limited ? 'off' : 'on'}`);
  }
}

/** Deltas over one run that would make it measure something else than intended. */
function checkMetrics(spec: VariantSpec, before: Sample[], after: Sample[]): string[] {
  const delta = (name: string, labels: Record<string, string> = {}) => metricValue(after, name, labels) - metricValue(before, name, labels);
  const problems: string[] = [];
  for (const method of METHODS) {
    const n = delta('mcp_auth_success_total', { method });
    if (method === spec.method && n === 0) problems.push(`no request was authenticated as ${method}`);
    if (method !== spec.method && n > 0) problems.push(`${n} requests authenticated as ${method}, not ${spec.method}`);
  }
  const failures = delta('mcp_auth_failures_total');
  if (failures > 0) problems.push(`${failures} authentication failures`);
  const limited = delta('mcp_rate_limit_exceeded_total');
  if (limited > 0) problems.push(`${limited} calls refused by a rate limit`);
  if (spec.id === 'key-redis') {
    const fallback = delta('mcp_rate_limit_fallback_total');
    if (fallback > 0) problems.push(`${fallback} rate-limit decisions fell back to memory (Redis slow or unreachable): not a Redis measurement`);
    if (metricValue(after, 'mcp_rate_limit_redis_active') !== 1) problems.push('mcp_rate_limit_redis_active is not 1');
  }
  return problems;
}

/** Waits until the gateway has written every audit row of the previous run, so it does not compete with the next. */
async function auditDrained(gateway: GatewayProcess): Promise<void> {
  await waitFor(async () => metricValue(await scrape(gateway.metricsUrl), 'mcp_audit_spool_rows') === 0, 60_000, 'the audit rows to be written');
}

async function checkRedis(url: string): Promise<number | undefined> {
  try {
    return await withRedis(url, async (redis) => {
      await redis.command(['PING']);
      return redis.serverPid();
    });
  } catch (error) {
    throw new Error(`the front-door bench needs Redis at ${redactUrl(url)} (set REDIS_URL): ${(error as Error).message}`);
  }
}

async function withRedis<T>(url: string, fn: (redis: RespClient) => Promise<T>): Promise<T> {
  const redis = await RespClient.open(url);
  try {
    return await fn(redis);
  } finally {
    redis.close();
  }
}

/** redis-server CPU so far, when its process is visible from here (same host, same PID namespace). */
function readCpu(pid: number): number | undefined {
  try {
    return cpuMicros(pid);
  } catch {
    return undefined;
  }
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '[unparseable URL]';
  }
}
