import { TEST_WORKER_ENTRY, getJson, startGateway, type GatewayProcess } from '@mcpgw/test-support';
import { load, rssMiB, table, type LoadSettings, type Row } from './autocannon-load.js';
import { alive, descendants, killFrontsNow, startFront, stopFront, testWorkerProcesses, type SpawnedFront, type SpawnedFrontKind } from './mcp-bench-fronts.js';
import { bodyIsEcho, checkEchoCall, openSession, toolCallBody, type McpSession } from './mcp-bench-session.js';

/**
 * The gateway's MCP front against the bridges people use today: `tools/call` of the test worker's
 * trivial `echo` tool over Streamable HTTP, at the same concurrency, in the same run, through
 *
 * - the worker itself, on its own Streamable HTTP transport (the SDK's): the baseline;
 * - supergateway (`--stateful` Streamable HTTP) and mcp-proxy (stateful Streamable HTTP at /mcp),
 *   each fronting the same worker over stdio;
 * - the gateway's `POST /mcp` (aggregate, tool `echo__echo`) and `POST /mcp/echo` (tool `echo`),
 *   as a local caller with the rate limit off.
 *
 * Each path gets one stateful session opened as a client would (initialize, the session id,
 * notifications/initialized) and one checked call; then autocannon replays tools/call in that
 * session with a unique JSON-RPC id per request, and every answer is checked (a fast wrong answer
 * is not a result), and one more checked call follows. Everything is started once and measured in
 * interleaved rounds, so that drift of a shared machine hits every path alike; the table reports
 * medians over rounds. Every process is stopped at the end (process groups, then whatever they
 * spawned), also on failure.
 *
 * Targets (issue 6): the gateway's `/mcp` at ≥ 4 × mcp-proxy's and ≥ 8 × supergateway's req/s
 * at c=50, zero errors.
 */

/** The measured paths. */
export type McpPathId = SpawnedFrontKind | 'gateway-aggregate' | 'gateway-service';

/** Options of {@link benchMcp}. */
export interface McpBenchOptions {
  load: LoadSettings;
  /** Interleaved rounds (each measures every path once); the table shows medians over rounds. */
  rounds: number;
  /** Progress lines. */
  progress?: (line: string) => void;
}

/** One measured path. */
export interface McpPathResult {
  id: McpPathId;
  path: string;
  /** How its server was started. */
  command: string;
  /** One per round; empty when the path could not be measured (see `problems`). */
  runs: Row[];
  /** Medians over `runs`; undefined when there are none. */
  median: { reqPerSec: number; p50: number; p99: number; frontCpuUs: number; workerCpuUs: number | undefined; generatorCpuUs: number } | undefined;
  /**
   * CPU per answer of this process, autocannon's (warm-up included), per run: the load generator
   * shares the machine's cores with the servers, and costs every path alike.
   */
  generatorCpuUs: number[];
  /** Errors, timeouts and non-2xx answers over every round. */
  errors: number;
  /** Answers under load (warm-ups included) that were not the expected echo; a non-2xx answer counts here too. */
  wrongAnswers: number;
  /** RSS after the last round, MiB: the front process, and the worker behind it (none for `direct`). */
  rss: { front: number; worker: number | undefined } | undefined;
  /** `median.reqPerSec / direct median.reqPerSec`. */
  ratioToDirect: number | undefined;
  /** What voids the path: it did not start, a wrong answer outside the load, errors, a worker restart... */
  problems: string[];
  /** Processes still alive after their front was stopped (then killed): reported, not held against the path. */
  leftovers: number[];
}

/** A ratio with a target. */
export interface McpTargetRatio {
  name: string;
  /** Of the median req/s. */
  ratio: number | undefined;
  /** The same ratio inside each round. */
  roundRatios: number[];
  /** Server CPU per request (front + worker) of the other path ÷ the gateway's: a steadier hint on a shared machine. */
  cpuRatio: number | undefined;
  /**
   * Front-process CPU per request of the other path ÷ the gateway's: each front is one Node main
   * thread, so this is the ratio of their throughput ceilings when nothing else competes for CPU.
   */
  frontCpuRatio: number | undefined;
  target: number;
  verdict: 'PASS' | 'FAIL';
  /** Why FAIL besides the ratio (errors, problems, a path not measured). */
  reasons: string[];
}

/** What {@link benchMcp} measured. */
export interface McpBenchResult {
  connections: number;
  durationSec: number;
  warmupSec: number;
  rounds: number;
  paths: McpPathResult[];
  targets: McpTargetRatio[];
}

/** A path ready to be loaded. */
interface Prepared {
  result: McpPathResult;
  session: McpSession;
  tool: string;
  frontPid: number;
  /** The worker behind the front, re-read before each run (the gateway may restart it). */
  workerPid: () => Promise<number | undefined>;
}

const GATEWAY_ENV = { WORKERS: 'none', EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}`, RATE_LIMIT_MAX_REQUESTS: '0' };

/** Starts every path, measures them in interleaved rounds, stops everything, and judges the targets. */
export async function benchMcp(options: McpBenchOptions): Promise<McpBenchResult> {
  const progress = options.progress ?? (() => undefined);
  const paths: McpPathResult[] = [];
  const prepared: Prepared[] = [];
  const fronts: { front: SpawnedFront; result: McpPathResult }[] = [];
  const gateway: GatewayHolder = { process: undefined, workers: new Set() };
  const onSignal = (signal: NodeJS.Signals) => {
    killFrontsNow(fronts.map((f) => f.front));
    gateway.process?.child.kill('SIGTERM');
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for (const kind of ['direct', 'supergateway', 'mcp-proxy'] as const) {
      const result = emptyResult(kind, kind, '');
      paths.push(result);
      progress(`starting ${kind}`);
      const ready = await prepareSpawned(kind, result, (front) => fronts.push({ front, result }));
      if (ready) prepared.push(ready);
    }
    progress('starting the gateway');
    const gatewayPaths = await prepareGateway(gateway);
    paths.push(...gatewayPaths.results);
    prepared.push(...gatewayPaths.prepared);

    for (let round = 1; round <= options.rounds; round++) {
      for (const p of prepared) {
        progress(`round ${round}/${options.rounds}: ${p.result.path}`);
        await measureOnce(p, options.load);
      }
    }
    for (const p of prepared) {
      const worker = await p.workerPid().catch(() => undefined);
      p.result.rss = { front: rssOrZero(p.frontPid), worker: worker === undefined ? undefined : rssOrZero(worker) };
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    for (const { front, result } of fronts) result.leftovers.push(...(await stopFront(front, descendants(front.pid))));
    if (gateway.process) {
      await gateway.process.stop();
      const left = [...gateway.workers].filter(alive);
      for (const pid of left) process.kill(pid, 'SIGKILL');
      for (const r of paths) if (r.id.startsWith('gateway')) r.leftovers.push(...left);
    }
    progress('stopped every server');
  }

  for (const r of paths) r.median = mediansOf(r.runs, r.generatorCpuUs);
  const direct = paths.find((r) => r.id === 'direct')!;
  for (const r of paths) {
    if (r.median && direct.median && direct.median.reqPerSec > 0) r.ratioToDirect = r.median.reqPerSec / direct.median.reqPerSec;
  }
  const byId = (id: McpPathId) => paths.find((r) => r.id === id)!;
  const targets = [
    targetRatio('gateway /mcp ÷ mcp-proxy', byId('gateway-aggregate'), byId('mcp-proxy'), 4),
    targetRatio('gateway /mcp ÷ supergateway', byId('gateway-aggregate'), byId('supergateway'), 8),
  ];
  const { connections, durationSec, warmupSec } = options.load;
  return { connections, durationSec, warmupSec, rounds: options.rounds, paths, targets };
}

/**
 * Starts a front (handing it to `started` at once, so it is stopped whatever happens next), opens
 * the session, finds the worker behind it and checks one call. Undefined (and a problem on
 * `result`) when any of it fails.
 */
async function prepareSpawned(kind: SpawnedFrontKind, result: McpPathResult, started: (front: SpawnedFront) => void): Promise<Prepared | undefined> {
  try {
    const front = await startFront(kind);
    started(front);
    Object.assign(result, { path: front.path, command: front.command });
    // The bridges start their worker at start-up (mcp-proxy) or per session at initialize
    // (supergateway, stateful): look for it after the handshake.
    const session = await openSession(front.url);
    const workers = testWorkerProcesses(descendants(front.pid));
    if (kind !== 'direct' && workers.length !== 1) throw new Error(`${workers.length} worker processes behind ${kind}, expected 1`);
    await checkEchoCall(session, 'echo', 'check-before');
    return { result, session, tool: 'echo', frontPid: front.pid, workerPid: async () => workers[0] };
  } catch (error) {
    result.problems.push((error as Error).message);
    return undefined;
  }
}

/** The gateway started for both of its paths, and every echo worker PID it reported (checked at the end). */
interface GatewayHolder {
  process: GatewayProcess | undefined;
  workers: Set<number>;
}

/** Starts the gateway (into `holder`) and opens a checked session on `/mcp` and on `/mcp/echo`. */
async function prepareGateway(holder: GatewayHolder): Promise<{ results: McpPathResult[]; prepared: Prepared[] }> {
  const specs = [
    { id: 'gateway-aggregate' as const, path: 'gateway POST /mcp (aggregate, tool echo__echo)', endpoint: '/mcp', tool: 'echo__echo' },
    { id: 'gateway-service' as const, path: 'gateway POST /mcp/echo (one service, tool echo)', endpoint: '/mcp/echo', tool: 'echo' },
  ];
  const results = specs.map((g) =>
    emptyResult(g.id, g.path, `startGateway({ env: { WORKERS: 'none', EXTRA_WORKERS: 'echo=<test worker>', RATE_LIMIT_MAX_REQUESTS: '0' } }), POST ${g.endpoint}`),
  );
  const prepared: Prepared[] = [];
  try {
    const gateway = await startGateway({ env: GATEWAY_ENV });
    holder.process = gateway;
    const workerPid = async (): Promise<number | undefined> => {
      const workers = (await getJson<{ workers: { name?: string; pid?: number }[] }>(`${gateway.url}/health/detailed`)).body.workers;
      const pid = (workers.find((w) => w.name === 'echo') ?? workers[0])?.pid;
      if (typeof pid === 'number') holder.workers.add(pid);
      return pid;
    };
    for (const [i, spec] of specs.entries()) {
      const result = results[i]!;
      try {
        const session = await openSession(`${gateway.url}${spec.endpoint}`);
        await checkEchoCall(session, spec.tool, 'check-before');
        prepared.push({ result, session, tool: spec.tool, frontPid: gateway.pid, workerPid });
      } catch (error) {
        result.problems.push((error as Error).message);
      }
    }
  } catch (error) {
    for (const r of results) r.problems.push((error as Error).message);
  }
  return { results, prepared };
}

/** The table, the target ratios with PASS/FAIL, and every problem. */
export function formatMcp(result: McpBenchResult): string {
  const lines: string[] = [];
  lines.push(
    `MCP front: tools/call of echo over Streamable HTTP, one stateful session per path, c=${result.connections}, ` +
      `${result.warmupSec} s warm-up + ${result.durationSec} s per run, ${result.rounds} interleaved round(s); medians over rounds\n`,
  );
  lines.push(
    table(
      [
        'path',
        'req/s',
        'req/s per round',
        'p50 ms',
        'p99 ms',
        'errors / non-2xx',
        'wrong answers',
        'ratio to worker direct',
        'front CPU µs/req',
        'worker CPU µs/req',
        'load generator CPU µs/req',
        'RSS front / worker MiB',
      ],
      result.paths.map((r) => [
        r.path,
        r.median?.reqPerSec ?? 'not measured',
        r.runs.map((run) => run.reqPerSec).join(' / '),
        r.median?.p50 ?? '',
        r.median?.p99 ?? '',
        r.runs.length > 0 ? r.errors : '',
        r.runs.length > 0 ? r.wrongAnswers : '',
        r.ratioToDirect?.toFixed(2) ?? '',
        r.median?.frontCpuUs ?? '',
        r.median?.workerCpuUs ?? '',
        r.median?.generatorCpuUs ?? '',
        r.rss ? `${r.rss.front} / ${r.rss.worker ?? '—'}` : '',
      ]),
    ),
  );
  lines.push('');
  for (const t of result.targets) {
    const why = t.reasons.length > 0 ? ` (${t.reasons.join('; ')})` : '';
    const perRound =
      t.roundRatios.length > 1 ? `; per round ${t.roundRatios.map((r) => r.toFixed(2)).join(' / ')} (median ${median(t.roundRatios).toFixed(2)})` : '';
    const cpu =
      t.cpuRatio === undefined || t.frontCpuRatio === undefined
        ? ''
        : `; server CPU per request ${t.cpuRatio.toFixed(2)}× the gateway's (front + worker), front process alone ${t.frontCpuRatio.toFixed(2)}×`;
    lines.push(`${t.name}: ${t.ratio === undefined ? 'n/a' : t.ratio.toFixed(2)} (target ≥ ${t.target}): ${t.verdict}${why}${perRound}${cpu}`);
  }
  // A front that did not start says why with its output: one line of it is enough here (the JSON file has all).
  for (const r of result.paths) for (const problem of r.problems) lines.push(`PROBLEM (${r.path}): ${problem.replace(/\s*\n\s*/g, ' | ').slice(0, 400)}`);
  for (const r of result.paths) {
    if (r.leftovers.length > 0) lines.push(`LEFTOVER (${r.path}): processes ${r.leftovers.join(', ')} outlived their front and were killed`);
  }
  return lines.join('\n');
}

/** One run of one path: the load with every answer checked, then one checked call. */
async function measureOnce(p: Prepared, settings: LoadSettings): Promise<void> {
  const workerPid = await p.workerPid().catch(() => undefined);
  if (p.result.id !== 'direct' && workerPid === undefined) {
    p.result.problems.push('no worker process to measure');
    return;
  }
  const pids = workerPid === undefined ? [p.frontPid] : [p.frontPid, workerPid];
  let answers = 0;
  const cpu0 = process.cpuUsage();
  try {
    const row = await load(
      p.result.path,
      {
        url: p.session.url,
        method: 'POST',
        headers: p.session.headers,
        body: toolCallBody(p.tool, '[<id>]'),
        idReplacement: true,
        verifyBody: (body: string | Buffer | undefined) => {
          answers++;
          if (bodyIsEcho(typeof body === 'string' ? body : (body?.toString('utf8') ?? ''))) return true;
          p.result.wrongAnswers++;
          return false;
        },
      },
      pids,
      settings,
    );
    const cpu = process.cpuUsage(cpu0);
    p.result.runs.push(row);
    if (answers > 0) p.result.generatorCpuUs.push((cpu.user + cpu.system) / answers);
    p.result.errors += row.errors;
  } catch (error) {
    const gone = pids.filter((pid) => !alive(pid));
    p.result.problems.push(gone.length > 0 ? `process ${gone.join(', ')} exited during the load` : (error as Error).message);
    return;
  }
  if (workerPid !== undefined && (await p.workerPid().catch(() => undefined)) !== workerPid) p.result.problems.push('the worker was restarted during the load');
  try {
    await checkEchoCall(p.session, p.tool, `check-after-${p.result.runs.length}`);
  } catch (error) {
    p.result.problems.push(`after the load: ${(error as Error).message}`);
  }
}

function emptyResult(id: McpPathId, path: string, command: string): McpPathResult {
  return { id, path, command, runs: [], median: undefined, generatorCpuUs: [], errors: 0, wrongAnswers: 0, rss: undefined, ratioToDirect: undefined, problems: [], leftovers: [] };
}

function mediansOf(runs: Row[], generatorCpuUs: number[]): McpPathResult['median'] {
  if (runs.length === 0) return undefined;
  const workerCpu = runs.filter((r) => r.cpuUsPerPid.length > 1).map((r) => r.cpuUsPerPid[1]!);
  return {
    reqPerSec: Math.round(median(runs.map((r) => r.reqPerSec))),
    p50: round1(median(runs.map((r) => r.p50))),
    p99: round1(median(runs.map((r) => r.p99))),
    frontCpuUs: round1(median(runs.map((r) => r.cpuUsPerPid[0] ?? 0))),
    workerCpuUs: workerCpu.length > 0 ? round1(median(workerCpu)) : undefined,
    generatorCpuUs: round1(median(generatorCpuUs)),
  };
}

function targetRatio(name: string, gateway: McpPathResult, other: McpPathResult, target: number): McpTargetRatio {
  const reasons: string[] = [];
  for (const r of [gateway, other]) {
    if (!r.median) reasons.push(`${r.path} not measured`);
    if (r.errors > 0 || r.wrongAnswers > 0) reasons.push(`${r.path}: ${r.errors} errors, ${r.wrongAnswers} wrong answers`);
    if (r.median && r.problems.length > 0) reasons.push(`${r.path}: ${r.problems.length} problem(s), below`);
  }
  const ratio = gateway.median && other.median && other.median.reqPerSec > 0 ? gateway.median.reqPerSec / other.median.reqPerSec : undefined;
  const roundRatios = gateway.runs.length === other.runs.length ? gateway.runs.map((g, i) => g.reqPerSec / (other.runs[i]!.reqPerSec || Number.NaN)) : [];
  const cpu = (r: McpPathResult) => (r.median ? r.median.frontCpuUs + (r.median.workerCpuUs ?? 0) : 0);
  const cpuRatio = cpu(gateway) > 0 && cpu(other) > 0 ? cpu(other) / cpu(gateway) : undefined;
  const front = (r: McpPathResult) => r.median?.frontCpuUs ?? 0;
  const frontCpuRatio = front(gateway) > 0 && front(other) > 0 ? front(other) / front(gateway) : undefined;
  const verdict = ratio !== undefined && ratio >= target && reasons.length === 0 ? 'PASS' : 'FAIL';
  return { name, ratio, roundRatios, cpuRatio, frontCpuRatio, target, verdict, reasons };
}

function rssOrZero(pid: number): number {
  try {
    return rssMiB(pid);
  } catch {
    return 0;
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;
