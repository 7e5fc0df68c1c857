import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { isMainModule } from './is-main-module.js';
import { ConfigError, loadConfig, loadDotEnv, type GatewayConfig } from './config.js';
import { redactUrl } from '@mcpgw/protocol';
import { StoreError } from '@mcpgw/store';
import { runServer } from './server.js';
import { stdioCommand } from './stdio-command.js';
import { opsCommand } from './ops-commands.js';
import { jobsCommand, jobsWorkerCommand } from './jobs-commands.js';
import { toolsCommand } from './pin-commands.js';
import { auditCommand, keysCommand, migrateCommand, tokenCommand } from './store-commands.js';
import { BUILTIN_WORKERS } from './workers/builtin-workers.js';
import { displayUrl } from './workers/worker-spec.js';

const HELP = `mcpgw — the mcp-gateway command line

usage: pnpm mcpgw <command> [options]

commands:
  start                         start the gateway with its workers (same as pnpm start)
  config                        check the environment and print the effective configuration
                                (worker environments are shown by variable name only)
  worker <name> [--http PORT]   run one built-in worker by itself: MCP over stdio, or
                                Streamable HTTP at http://127.0.0.1:PORT/mcp with --http
                                (--host 0.0.0.0 needs WORKER_AUTH_TOKEN; gateways reach it
                                through WORKER_URLS)
  call "<slash command>"        send a slash command to a running gateway and print the answer
      [--url URL] [--args JSON] [--key KEY]   e.g. pnpm mcpgw call "/mcp-postgres demo list tables"
  services [--url URL] [--key KEY]   list the services of a running gateway
                                (--key: an API key, when not calling from localhost)
  stdio [--service NAME] [--url URL] [--key KEY]
                                MCP over stdin/stdout, for clients that launch a command: relays to
                                the running gateway at --url (its /mcp, or /mcp/NAME), or without
                                --url to a gateway started in this process; the key may come from
                                the MCPGW_KEY environment variable instead (hidden from ps)
  keys create --name N --scopes S [--expires 30d] [--rate 500/1m] [--json]
                                create an API key for agent N; prints the key once
  keys list [--all] [--json]    list keys (--all: revoked ones too); never the secrets
  keys revoke <prefix>          revoke a key; every gateway refuses it within a second
  tools pins [--service S] [--json]
                                the pinned tool definitions and changes awaiting approval
                                (--json: with both definitions, to compare them)
  tools approve <service> [tool...]
                                accept the changed definitions (all of the service's, or the
                                named tools) as the new pins; every gateway serves them in 5 s
  token sign --sub A --scopes S [--ttl 24h]
                                issue an HS256 JWT signed with JWT_SECRET
  audit tail [--agent A] [--service S] [--outcome O] [--since 1h] [--limit 20] [--follow] [--json]
                                show the newest audit rows (oldest first); --follow keeps printing
  migrate                       apply the gateway store's migrations (start-up does this too)
  jobs-worker                   consume async jobs only (no HTTP listener); run any number of them,
                                on any host, against the same REDIS_URL and gateway store
  jobs dlq list [--json]        the dead-letter queue: dead jobs of every service, each attempt's error
  jobs dlq replay <id>          queue a dead job again with fresh attempts (audited)
  jobs dlq purge --yes          delete every dead (and cancelled) job from the queues (audited)
  ops migrate|seed [--database-url URL] [--schema public] [--yes]
                                the operational tables (month-end tasks, jobs, errors, compliance,
                                metrics, agencies) in SUPABASE_DB_URL: apply their migrations, or
                                replace their rows with sample data for 8 agencies (seed needs --yes)
  help                          this text

keys, tools, audit and migrate use the gateway store: PostgreSQL at DATABASE_URL, or the embedded
store in MCPGW_DATA_DIR (default ./.mcpgw; shared with a gateway running there).

--url defaults to http://127.0.0.1:$PORT (PORT from the environment, default 8100).
`;

type Out = (text: string) => void;

/** Runs one CLI command; returns the process exit code. */
export async function runCli(argv: string[], out: Out = (t) => process.stdout.write(t), err: Out = (t) => process.stderr.write(t)): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      await runServer();
      return -1; // keeps running
    case 'config':
      return printConfig(out, err);
    case 'worker':
      return runWorker(rest, err);
    case 'call':
      return call(rest, out, err);
    case 'services':
      return services(rest, out, err);
    case 'stdio':
      return stdioCommand(rest, err);
    case 'keys':
    case 'tools':
    case 'token':
    case 'audit':
    case 'migrate':
      return storeCommand(command, rest, out, err);
    case 'jobs-worker':
    case 'jobs': {
      const config = readConfig(err);
      if (!config) return 2;
      if (command === 'jobs-worker') return jobsWorkerCommand(config, err);
      try {
        return await jobsCommand(rest, config, out, err);
      } catch (error) {
        if (error instanceof StoreError) {
          err(`the gateway store is not usable: ${error.message}\n`);
          return 1;
        }
        throw error;
      }
    }
    case 'ops':
      try {
        loadDotEnv();
        return await opsCommand(rest, out, err);
      } catch (error) {
        if (error instanceof ConfigError) {
          err(`${error.message}\n`);
          return 2;
        }
        throw error;
      }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      out(HELP);
      return 0;
    default:
      err(`unknown command "${command}"\n\n${HELP}`);
      return 2;
  }
}

async function storeCommand(command: string, args: string[], out: Out, err: Out): Promise<number> {
  const config = readConfig(err);
  if (!config) return 2;
  try {
    if (command === 'keys') return await keysCommand(args, config, out, err);
    if (command === 'tools') return await toolsCommand(args, config, out, err);
    if (command === 'token') return await tokenCommand(args, config, out, err);
    if (command === 'audit') return await auditCommand(args, config, out, err);
    return await migrateCommand(config, out, err);
  } catch (error) {
    if (error instanceof StoreError) {
      err(`the gateway store is not usable: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

function readConfig(err: Out): GatewayConfig | undefined {
  try {
    loadDotEnv();
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      err(`${error.message}\n`);
      return undefined;
    }
    throw error;
  }
}

function printConfig(out: Out, err: Out): number {
  const config = readConfig(err);
  if (!config) return 2;
  const shown = {
    ...config,
    store: { ...config.store, databaseUrl: config.store.databaseUrl && redactUrl(config.store.databaseUrl) },
    redis: { ...config.redis, url: config.redis.url && redactUrl(config.redis.url) },
    tracing: { ...config.tracing, endpoint: config.tracing.endpoint && redactUrl(config.tracing.endpoint) },
    auth: { ...config.auth, jwt: { ...config.auth.jwt, secret: config.auth.jwt.secret ? '[set]' : undefined } },
    worker: { ...config.worker, authToken: config.worker.authToken ? '[set]' : undefined },
    workers: config.workers.map((w) =>
      w.kind === 'remote'
        ? { name: w.name, url: displayUrl(w.url), required: w.required }
        : { name: w.name, command: w.command, args: w.args, required: w.required, sandbox: w.sandboxEnv !== undefined, env: Object.keys(w.env).sort() },
    ),
  };
  out(`${JSON.stringify(shown, null, 2)}\n`);
  return 0;
}

function runWorker(args: string[], err: Out): Promise<number> {
  const [name, ...flags] = args;
  const builtin = BUILTIN_WORKERS.find((w) => w.name === name);
  if (!builtin) {
    err(`usage: mcpgw worker <name> [--http PORT [--host HOST]]; workers: ${BUILTIN_WORKERS.map((w) => w.name).join(', ')}\n`);
    return Promise.resolve(2);
  }
  // The worker reads its own variables from this same environment.
  const child = spawn(process.execPath, [builtin.entry(), ...flags], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

function baseUrl(url: string | undefined): string {
  if (url) return url.replace(/\/$/, '');
  try {
    return `http://127.0.0.1:${loadConfig().port}`;
  } catch {
    return 'http://127.0.0.1:8100';
  }
}

async function call(args: string[], out: Out, err: Out): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { url: { type: 'string' }, args: { type: 'string' }, key: { type: 'string' } }, allowPositionals: true });
  const command = positionals.join(' ').trim();
  if (!command) {
    err('usage: mcpgw call "/mcp-<service> ..." [--url URL] [--args JSON]\n');
    return 2;
  }
  let extra: unknown;
  if (values.args) {
    try {
      extra = JSON.parse(values.args);
    } catch {
      err('--args must be a JSON object, e.g. --args \'{"maxRows": 5}\'\n');
      return 2;
    }
  }
  try {
    const response = await fetch(`${baseUrl(values.url)}/mcp/execute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(values.key ? { 'x-mcp-key': values.key } : {}) },
      body: JSON.stringify(extra === undefined ? { command } : { command, args: extra }),
    });
    out(`${JSON.stringify(await response.json(), null, 2)}\n`);
    return response.ok ? 0 : 1;
  } catch (error) {
    err(`cannot reach the gateway at ${baseUrl(values.url)}: ${(error as Error).message}\n`);
    return 1;
  }
}

async function services(args: string[], out: Out, err: Out): Promise<number> {
  const { values } = parseArgs({ args, options: { url: { type: 'string' }, key: { type: 'string' } } });
  try {
    const response = await fetch(`${baseUrl(values.url)}/mcp/catalog`, { headers: values.key ? { 'x-mcp-key': values.key } : {} });
    if (!response.ok) {
      err(`${JSON.stringify(await response.json())}\n`);
      return 1;
    }
    const catalog = (await response.json()) as { services: { name: string; status: string; mode: string | null; tools: unknown[]; commands: { usage: string }[] }[] };
    for (const s of catalog.services) {
      out(`${s.name}  ${s.status}${s.mode && s.mode !== 'live' ? ` (${s.mode})` : ''}  ${s.tools.length} tools\n`);
      for (const c of s.commands) out(`    ${c.usage}\n`);
    }
    return 0;
  } catch (error) {
    err(`cannot reach the gateway at ${baseUrl(values.url)}: ${(error as Error).message}\n`);
    return 1;
  }
}

if (isMainModule(import.meta.url)) {
  const code = await runCli(process.argv.slice(2));
  if (code >= 0) process.exit(code);
}
