import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

/** One measured path: throughput, latency, errors and what it cost the server processes. */
export interface Row {
  path: string;
  reqPerSec: number;
  p50: number;
  p99: number;
  /** Connection errors + timeouts + non-2xx answers: a fast wrong answer is not a result. */
  errors: number;
  /** Requests completed in the measured window. */
  requests: number;
  /** CPU time of the server processes (all `pids` together) per request, in microseconds. */
  serverCpuUs: number | undefined;
  /** The same, per process, in the order of `pids`. */
  cpuUsPerPid: number[];
}

/** How long and how hard each path is loaded. */
export interface LoadSettings {
  connections: number;
  warmupSec: number;
  durationSec: number;
}

/** User + system CPU time of a process so far, in microseconds (Linux /proc). */
export const cpuMicros = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000; // clock ticks of 10 ms
};

/** Resident set size of a process, in MiB. */
export const rssMiB = (pid: number): number => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Math.round(Number(line?.split(/\s+/)[1] ?? 0) / 1024);
};

/**
 * Warms a path up, then loads it with autocannon for the measured window (from this process,
 * pipelining 1) and reads the CPU the server processes spent meanwhile.
 */
export async function load(path: string, options: autocannon.Options, pids: number[], settings: LoadSettings): Promise<Row> {
  const run = (duration: number) =>
    new Promise<autocannon.Result>((resolve, reject) => {
      autocannon({ connections: settings.connections, pipelining: 1, ...options, duration }, (error, result) => (error ? reject(error) : resolve(result)));
    });
  if (settings.warmupSec > 0) await run(settings.warmupSec);
  const before = pids.map(cpuMicros);
  const result = await run(settings.durationSec);
  const spent = pids.map((pid, i) => cpuMicros(pid) - before[i]!);
  const total = result.requests.total;
  const perRequest = (us: number) => Math.round((us / total) * 10) / 10;
  return {
    path,
    reqPerSec: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    requests: total,
    serverCpuUs: pids.length > 0 && total > 0 ? perRequest(spent.reduce((a, b) => a + b, 0)) : undefined,
    cpuUsPerPid: total > 0 ? spent.map(perRequest) : [],
  };
}

/** A Markdown table. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}
