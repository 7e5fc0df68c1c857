import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { REPO_ROOT } from '@mcpgw/test-support';

/**
 * The container assets of issue 9: docker-compose.yml, deploy/docker/Dockerfile and the Prometheus and
 * Grafana files compose mounts. Parsed always; `docker compose config -q` where the client exists; and the
 * Dockerfile's own `pnpm deploy` command is run to prove the runtime stage's tree starts the gateway.
 */

// yaml is a dependency of the gateway, not of this package: load the gateway's copy.
const { parse: parseYaml } = createRequire(`${REPO_ROOT}apps/gateway/package.json`)('yaml') as { parse: (text: string) => unknown };

const read = (path: string) => readFileSync(`${REPO_ROOT}${path}`, 'utf8');

interface ComposeService {
  build?: { context: string; dockerfile: string };
  image?: string;
  command?: string[];
  ports?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
  env_file?: { path: string; required: boolean }[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  profiles?: string[];
}
interface Compose {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
}

const compose = parseYaml(read('docker-compose.yml')) as Compose;
const services = compose.services;

/** `"${BIND:-0.0.0.0}:${PORT:-8100}:8100"` → 8100 (the container port). */
const containerPort = (mapping: string) => Number(mapping.split(':').at(-1));
/** `./deploy/x:/etc/x:ro` → { source: 'deploy/x', target: '/etc/x' } for bind mounts. */
const bindMounts = (service: ComposeService) =>
  (service.volumes ?? [])
    .filter((v) => v.startsWith('./'))
    .map((v) => {
      const [source, target] = v.split(':');
      return { source: source!.slice(2), target: target! };
    });

describe('docker-compose.yml', () => {
  it('runs the gateway, PostgreSQL, Redis, Prometheus and Grafana, and a sandbox profile', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['gateway', 'postgres', 'redis', 'prometheus', 'grafana']));
    const profiled = Object.entries(services).filter(([, s]) => s.profiles?.length);
    expect(profiled.map(([name, s]) => [name, s.profiles])).toEqual([['sandbox', ['sandbox']]]);
    expect(services['sandbox']!.environment?.['SANDBOX']).toBe('auto');
  });

  it('builds the gateway from deploy/docker/Dockerfile and publishes 8100 and 9090', () => {
    const gateway = services['gateway']!;
    expect(gateway.build).toEqual({ context: '.', dockerfile: 'deploy/docker/Dockerfile' });
    expect(existsSync(`${REPO_ROOT}${gateway.build!.dockerfile}`)).toBe(true);
    expect(gateway.ports!.map(containerPort).sort()).toEqual([8100, 9090]);
    expect(gateway.environment).toMatchObject({ PORT: '8100', METRICS_PORT: '9090', HOST: '0.0.0.0' });
    expect(gateway.environment!['DATABASE_URL']).toMatch(/@postgres:5432\//);
    expect(gateway.environment!['REDIS_URL']).toMatch(/redis:\/\/redis:6379/);
  });

  it('is driven by .env: an optional env_file and ${VAR:-default} substitutions', () => {
    expect(services['gateway']!.env_file).toEqual([{ path: '.env', required: false }]);
    const text = read('docker-compose.yml');
    for (const name of ['GATEWAY_PORT', 'MCPGW_PG_PASSWORD', 'GRAFANA_ADMIN_PASSWORD']) expect(text).toContain(`\${${name}:-`);
  });

  it('keeps data in named volumes', () => {
    const named = (service: string, target: string) => services[service]!.volumes!.find((v) => v.endsWith(`:${target}`))?.split(':')[0];
    const volumes = [named('gateway', '/data'), named('postgres', '/var/lib/postgresql/data'), named('redis', '/data'), named('prometheus', '/prometheus'), named('grafana', '/var/lib/grafana')];
    for (const volume of volumes) {
      expect(volume).toBeDefined();
      expect(Object.keys(compose.volumes)).toContain(volume);
    }
  });

  it('runs Redis with AOF on and noeviction', () => {
    const command = services['redis']!.command!.join(' ');
    expect(command).toMatch(/--appendonly yes\b/);
    expect(command).toMatch(/--maxmemory-policy noeviction\b/);
  });

  it('gives every service a healthcheck, and the gateway waits for healthy PostgreSQL and Redis', () => {
    for (const [name, service] of Object.entries(services)) expect({ name, test: service.healthcheck?.test?.length }).toEqual({ name, test: expect.any(Number) });
    expect(services['gateway']!.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
    expect(services['gateway']!.healthcheck!.test.join(' ')).toContain('/health/ready');
  });

  it('mounts only files that exist', () => {
    const mounts = Object.values(services).flatMap(bindMounts);
    expect(mounts.length).toBeGreaterThanOrEqual(4);
    for (const { source } of mounts) expect({ source, exists: existsSync(`${REPO_ROOT}${source}`) }).toEqual({ source, exists: true });
  });
});

describe('Prometheus and Grafana wiring', () => {
  const prometheus = parseYaml(read('deploy/prometheus/prometheus.yml')) as {
    rule_files: string[];
    scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[];
  };
  const promMounts = bindMounts(services['prometheus']!);

  it("scrapes the gateway's metrics port under the job name the alert rules use", () => {
    const job = prometheus.scrape_configs.find((c) => c.job_name === 'mcp-gateway');
    expect(job?.metrics_path ?? '/metrics').toBe('/metrics');
    expect(job?.static_configs.flatMap((c) => c.targets)).toEqual([`gateway:${services['gateway']!.environment!['METRICS_PORT']}`]);
  });

  it('loads the mounted config and alert rule file', () => {
    const command = (services['prometheus']!.command ?? []).join(' ');
    const configTarget = /--config\.file=(\S+)/.exec(command)?.[1];
    expect(promMounts).toContainEqual({ source: 'deploy/prometheus/prometheus.yml', target: configTarget });
    for (const rules of prometheus.rule_files) {
      const mount = promMounts.find((m) => m.target === rules);
      expect(mount).toBeDefined();
      const parsed = parseYaml(read(mount!.source)) as { groups: { rules: unknown[] }[] };
      expect(parsed.groups.flatMap((g) => g.rules).length).toBeGreaterThan(0);
    }
  });

  it('provisions Grafana with the Prometheus datasource and the dashboards folder', () => {
    const mounts = bindMounts(services['grafana']!);
    expect(mounts).toContainEqual({ source: 'deploy/grafana/provisioning', target: '/etc/grafana/provisioning' });
    const datasources = parseYaml(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as { datasources: { type: string; url: string; isDefault: boolean }[] };
    const promPort = containerPort(services['prometheus']!.ports![0]!);
    expect(datasources.datasources).toEqual([expect.objectContaining({ type: 'prometheus', url: `http://prometheus:${promPort}`, isDefault: true })]);
    const provider = parseYaml(read('deploy/grafana/provisioning/dashboards/mcp-gateway.yml')) as { providers: { type: string; options: { path: string } }[] };
    const dashboards = mounts.find((m) => m.target === provider.providers[0]!.options.path);
    expect(dashboards?.source).toBe('deploy/grafana/dashboards');
    expect(readdirSync(`${REPO_ROOT}deploy/grafana/dashboards`).filter((f) => f.endsWith('.json')).length).toBeGreaterThan(0);
  });
});

/** Dockerfile instructions (continuations joined, comments dropped), grouped by stage. */
function dockerStages(text: string): { name: string; from: string; lines: { op: string; args: string }[] }[] {
  const instructions = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const space = l.indexOf(' ');
      return { op: l.slice(0, space).toUpperCase(), args: l.slice(space + 1).trim() };
    });
  const stages: { name: string; from: string; lines: { op: string; args: string }[] }[] = [];
  for (const line of instructions) {
    if (line.op === 'FROM') {
      const [from, , name] = line.args.split(/\s+/);
      stages.push({ name: name ?? String(stages.length), from: from!, lines: [] });
    } else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

const dockerfile = read('deploy/docker/Dockerfile');
const stages = dockerStages(dockerfile);
const build = stages.find((s) => s.name === 'build')!;
const runtime = stages.at(-1)!;
const args = (stage: typeof runtime, op: string) => stage.lines.filter((l) => l.op === op).map((l) => l.args);
/** The `pnpm ... deploy ...` command of the build stage, as argv after `pnpm`. */
const deployArgv = (): string[] => {
  const run = args(build, 'RUN').find((a) => / deploy /.test(a))!;
  return run.split('&&')[0]!.trim().split(/\s+/).slice(1);
};

describe('deploy/docker/Dockerfile', () => {
  it('builds in one stage and runs from another based on node 20', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20-(slim|alpine)$/m);
    for (const stage of stages) expect(stage.from).toBe('${NODE_IMAGE}');
  });

  it('installs with the lockfile, compiles and deploys the gateway with production dependencies only', () => {
    const runs = args(build, 'RUN').join('\n');
    expect(runs).toMatch(/pnpm install .*--frozen-lockfile/);
    expect(runs).toMatch(/tsc -b tsconfig\.build\.json/);
    expect(deployArgv()).toEqual(expect.arrayContaining(['--filter', '@mcpgw/gateway', 'deploy', '--prod', '--frozen-lockfile']));
  });

  it('copies only the deployed folder into the runtime stage and installs nothing there', () => {
    const copies = args(runtime, 'COPY');
    const out = deployArgv().at(-1);
    expect(copies).toEqual([`--from=build ${out} /app`]);
    expect(args(runtime, 'RUN').join('\n')).not.toMatch(/\b(pnpm|npm|yarn|corepack)\b/);
  });

  it('runs as a non-root user, exposes 8100 and 9090, and checks its health with node', () => {
    const user = args(runtime, 'USER');
    expect(user).toHaveLength(1);
    expect(user[0]).not.toMatch(/^(root|0)(:|$)/);
    expect(args(runtime, 'EXPOSE').join(' ').split(/\s+/).sort()).toEqual(['8100', '9090']);
    const healthcheck = args(runtime, 'HEALTHCHECK')[0]!;
    expect(healthcheck).toMatch(/ CMD \["node", "-e", .*\/health\/live/);
  });

  it('runs the mcpgw CLI: `start` by default, `worker <name>` and every other command on request', () => {
    const entrypoint = JSON.parse(args(runtime, 'ENTRYPOINT')[0]!) as string[];
    expect(entrypoint[0]).toBe('node');
    expect(entrypoint.at(-1)).toBe('/app/dist/cli.js');
    expect(JSON.parse(args(runtime, 'CMD')[0]!)).toEqual(['start']);
  });

  it('has a .dockerignore that keeps node_modules, builds and secrets out of the context', () => {
    const ignore = read('.dockerignore').split('\n');
    for (const entry of ['**/node_modules', '**/dist', '.env', '.git']) expect(ignore).toContain(entry);
  });
});

describe("the runtime stage's tree (the Dockerfile's pnpm deploy, run here)", () => {
  const work = mkdtempSync(join(tmpdir(), 'mcpgw-deploy-'));
  const out = join(work, 'app');
  let gateway: ChildProcess | undefined;
  let port = 0;
  let gatewayLog = '';

  /** pnpm as the test run was started (`pnpm test` sets npm_execpath), else from PATH. */
  const pnpm = (argv: string[]) => {
    const execpath = process.env['npm_execpath'];
    return execpath && /pnpm/.test(execpath) && /\.c?js$/.test(execpath)
      ? spawnSync(process.execPath, [execpath, ...argv], { cwd: REPO_ROOT, encoding: 'utf8' })
      : spawnSync('pnpm', argv, { cwd: REPO_ROOT, encoding: 'utf8' });
  };

  beforeAll(async () => {
    const argv = deployArgv();
    argv[argv.length - 1] = out;
    // The Dockerfile's command is --offline (after pnpm fetch): here the installed workspace's store serves it.
    const result = pnpm(argv);
    if (result.status !== 0) throw new Error(`pnpm deploy failed (${result.error?.message ?? result.status}): ${result.stderr}`);
    port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const address = server.address() as { port: number };
        server.close(() => resolve(address.port));
      });
    });
  }, 120_000);

  afterAll(async () => {
    if (gateway && gateway.exitCode === null) {
      gateway.kill('SIGTERM');
      await new Promise((resolve) => gateway!.once('exit', resolve));
    }
    rmSync(work, { recursive: true, force: true });
  });

  it('holds the gateway, its workers and production dependencies, no dev dependencies', () => {
    expect(existsSync(join(out, 'dist/cli.js'))).toBe(true);
    for (const dep of ['pg', 'fastify', 'yaml', '@mcpgw/worker-postgres/dist/index.js', '@mcpgw/fakes/dist/sandbox-main.js']) {
      expect({ dep, present: existsSync(join(out, 'node_modules', dep)) }).toEqual({ dep, present: true });
    }
    for (const dev of ['@mcpgw/test-support', '@types/opossum', '@types/pg', 'typescript', 'jest']) {
      expect({ dev, present: existsSync(join(out, 'node_modules', dev)) }).toEqual({ dev, present: false });
    }
  });

  it('starts the gateway with a worker, and the HEALTHCHECK command passes against it', async () => {
    const entrypoint = JSON.parse(args(runtime, 'ENTRYPOINT')[0]!) as string[];
    const [, ...nodeArgs] = entrypoint;
    nodeArgs[nodeArgs.length - 1] = join(out, 'dist/cli.js');
    const env = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', HOST: '127.0.0.1', PORT: String(port), METRICS_PORT: '0', WORKERS: 'postgres', SANDBOX: 'off', MCPGW_DATA_DIR: join(work, 'data'), NODE_ENV: 'production' };
    gateway = spawn(process.execPath, [...nodeArgs, 'start'], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
    gateway.stdout!.on('data', (d: Buffer) => (gatewayLog += d.toString()));
    gateway.stderr!.on('data', (d: Buffer) => (gatewayLog += d.toString()));

    const healthcheck = JSON.parse(args(runtime, 'HEALTHCHECK')[0]!.replace(/^.* CMD /, '')) as string[];
    expect(healthcheck[0]).toBe('node');
    const check = () => spawnSync(process.execPath, healthcheck.slice(1), { env, encoding: 'utf8' }).status;
    let status = check();
    for (let attempt = 0; status !== 0 && attempt < 120 && gateway.exitCode === null; attempt++) {
      await delay(250);
      status = check();
    }
    expect({ status, exited: gateway.exitCode, log: status === 0 ? '' : gatewayLog.slice(-2000) }).toEqual({ status: 0, exited: null, log: '' });

    let ready: { status?: string } = {};
    for (let attempt = 0; ready.status !== 'ready' && attempt < 120; attempt++) {
      ready = (await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.json())) as { status?: string };
      if (ready.status !== 'ready') await delay(250);
    }
    expect(ready.status).toBe('ready');
  }, 90_000);
});

describe('docker compose config', () => {
  it('validates docker-compose.yml where the docker compose client exists', () => {
    const version = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
    if (version.status !== 0) {
      // The one check that needs the client; every other test in this file parses the files itself.
      console.log(`docker compose is not installed here (${(version.error?.message ?? version.stderr).trim()}); skipped only "docker compose config -q"`);
      return;
    }
    const result = spawnSync('docker', ['compose', '-f', 'docker-compose.yml', 'config', '-q'], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, COMPOSE_PROFILES: 'sandbox' } });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  });
});
