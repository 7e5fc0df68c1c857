import { TEST_WORKER_ENTRY, getJson, startGateway, type GatewayProcess } from '@mcpgw/test-support';
import type autocannon from 'autocannon';
import type { Row } from './autocannon-load.js';
import { startOtlpSink } from './otlp-sink.js';

/** Measures one path on the given server processes (run.ts's `load`). */
export type LoadPath = (path: string, options: autocannon.Options, pids: number[]) => Promise<Row>;

const CALL = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'mcp.execute', params: { service: 'echo', tool: 'echo', arguments: { message: 'hi' } } });

/**
 * BENCH_TRACING=1: mcp.execute on two gateways with the echo worker, tracing off and tracing on
 * (every request sampled, gateway and worker exporting OTLP/HTTP to a local sink that drops it),
 * measured in interleaved rounds; rows are medians over rounds, so a shared machine's swings hit
 * both alike. Fails when the sink received nothing (tracing did not start).
 */
export async function benchTracing(load: LoadPath, rounds: number, noRateLimit: Record<string, string>): Promise<Row[]> {
  const sink = await startOtlpSink();
  const gateways: GatewayProcess[] = [];
  try {
    const env = { WORKERS: 'none', EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}`, ...noRateLimit };
    gateways.push(await startGateway({ env }));
    gateways.push(await startGateway({ env: { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: sink.url } }));
    const variants = await Promise.all(
      gateways.map(async (gateway, i) => ({
        name: i === 0 ? 'gateway: mcp.execute, tracing off (interleaved with the next row)' : 'gateway: mcp.execute, tracing on (OTLP to a local sink), every request sampled',
        url: `${gateway.url}/mcp/rpc`,
        pids: [gateway.pid, (await getJson<{ workers: { pid: number }[] }>(`${gateway.url}/health/detailed`)).body.workers[0]!.pid],
        rows: [] as Row[],
      })),
    );
    for (let round = 0; round < rounds; round++) {
      for (const variant of variants) {
        variant.rows.push(await load(variant.name, { url: variant.url, method: 'POST', headers: { 'content-type': 'application/json' }, body: CALL }, variant.pids));
      }
    }
    if (sink.exports === 0) throw new Error('BENCH_TRACING=1: the OTLP sink received no export; tracing did not start');
    return variants.map((v) => medianRow(v.name, v.rows));
  } finally {
    await Promise.all(gateways.map((g) => g.stop()));
    await sink.close();
  }
}

function medianRow(path: string, rows: Row[]): Row {
  const m = (pick: (r: Row) => number) => {
    const sorted = rows.map(pick).sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  const cpu = rows.every((r) => r.serverCpuUs !== undefined) ? Math.round(m((r) => r.serverCpuUs!) * 10) / 10 : undefined;
  return {
    path,
    reqPerSec: Math.round(m((r) => r.reqPerSec)),
    p50: m((r) => r.p50),
    p99: m((r) => r.p99),
    errors: rows.reduce((sum, r) => sum + r.errors, 0),
    requests: rows.reduce((sum, r) => sum + r.requests, 0),
    serverCpuUs: cpu,
    cpuUsPerPid: rows[0]?.cpuUsPerPid.map((_, i) => Math.round(m((r) => r.cpuUsPerPid[i]!) * 10) / 10) ?? [],
  };
}
