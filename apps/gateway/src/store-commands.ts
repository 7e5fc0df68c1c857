import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { openStore, type AuditOutcome, type AuditQuery, type GatewayStore, type StoredAuditRow } from '@mcpgw/store';
import { isKeyPrefix } from './auth/api-key.js';
import { parseDuration } from './auth/duration.js';
import { checkKeyInput, createApiKey, keyView, parseRateSpec, type KeyView } from './auth/key-admin.js';
import { signToken } from './auth/token-signer.js';
import type { GatewayConfig } from './config.js';
import { parseSince } from './routes/admin.js';

type Out = (text: string) => void;

/**
 * The CLI commands that work on the gateway store directly (`keys`, `audit`, `migrate`) and
 * `token sign`. They use the same store as the gateway: PostgreSQL at DATABASE_URL, or the
 * embedded store in MCPGW_DATA_DIR (through the running gateway's socket when it is up).
 */
export async function withStore<T>(config: GatewayConfig, err: Out, fn: (store: GatewayStore) => Promise<T>, migrate = true): Promise<T> {
  const quiet = { info: () => undefined, warn: (o: object, m?: string) => err(`warning: ${m ?? JSON.stringify(o)}\n`), error: (o: object, m?: string) => err(`error: ${m ?? JSON.stringify(o)}\n`) };
  const store = await openStore({
    ...(config.store.databaseUrl ? { databaseUrl: config.store.databaseUrl } : {}),
    schema: config.store.schema,
    dataDir: config.store.dataDir,
    cacheDir: config.store.cacheDir,
    embeddedRole: 'auto',
    poolMax: 1,
    migrate,
    log: quiet,
  });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export async function keysCommand(args: string[], config: GatewayConfig, out: Out, err: Out): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      name: { type: 'string' },
      scopes: { type: 'string' },
      expires: { type: 'string' },
      rate: { type: 'string' },
      all: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    allowPositionals: true,
  });
  switch (sub) {
    case 'create': {
      let input;
      try {
        const { name, scopes } = checkKeyInput({ name: values.name, scopes: values.scopes ?? '' });
        input = {
          name,
          scopes,
          expiresAt: values.expires ? new Date(Date.now() + parseDuration(values.expires)) : null,
          rateLimit: values.rate ? parseRateSpec(values.rate, parseDuration) : null,
        };
      } catch (error) {
        err(`${(error as Error).message}\nusage: mcpgw keys create --name agent-x --scopes postgres,odoo [--expires 30d] [--rate 500/1m]\n`);
        return 2;
      }
      const { key, record } = await withStore(config, err, async (store) => {
        const created = await createApiKey(store.keys, input);
        await auditCli(store, `keys.create:${created.record.prefix}`);
        return created;
      });
      if (values.json) out(`${JSON.stringify({ key, ...keyView(record) }, null, 2)}\n`);
      else {
        out(`${key}\n`);
        err(`created key ${record.prefix} for ${record.name} (scopes: ${record.scopes.join(', ')}${record.expiresAt ? `; expires ${record.expiresAt.toISOString()}` : ''})\nstore the key now: it is shown only once.\n`);
      }
      return 0;
    }
    case 'list': {
      const records = await withStore(config, err, (store) => store.keys.list({ includeRevoked: values.all === true }));
      const views = records.map((r) => keyView(r));
      if (values.json) out(`${JSON.stringify(views, null, 2)}\n`);
      else out(formatKeys(views));
      return 0;
    }
    case 'revoke': {
      const prefix = positionals[0] ?? '';
      if (!isKeyPrefix(prefix)) {
        err('usage: mcpgw keys revoke <prefix>   (the 12 hex characters after mcp_live_; see mcpgw keys list)\n');
        return 2;
      }
      const record = await withStore(config, err, async (store) => {
        const revoked = await store.keys.revoke(prefix);
        if (revoked) await auditCli(store, `keys.revoke:${prefix}`);
        return revoked;
      });
      if (!record) {
        err(`no API key has the prefix ${prefix}\n`);
        return 1;
      }
      out(`revoked ${prefix} (${record.name}); every gateway refuses it within a second\n`);
      return 0;
    }
    default:
      err('usage: mcpgw keys create|list|revoke ...\n');
      return 2;
  }
}

/** Key changes (and tool-pin approvals) made from the command line are audited like the admin API's, as agent `cli:<user>`. */
export async function auditCli(store: GatewayStore, tool: string): Promise<void> {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (some containers)
  }
  await store.audit.append([
    {
      at: new Date(),
      requestId: randomUUID(),
      agent: `cli:${user}`.slice(0, 64),
      authMethod: 'local',
      service: 'admin',
      tool,
      outcome: 'ok',
      errorCode: null,
      errorName: null,
      durationMs: 0,
      peer: null,
      endpoint: 'cli',
    },
  ]);
}

function formatKeys(keys: KeyView[]): string {
  if (keys.length === 0) return 'no keys\n';
  const rows = keys.map((k) => [k.prefix, k.name, k.status, k.scopes.join(','), k.expiresAt ?? '-', k.lastUsedAt ?? '-']);
  return table([['PREFIX', 'NAME', 'STATUS', 'SCOPES', 'EXPIRES', 'LAST USED'], ...rows]);
}

/** Rows as aligned columns (the first row is the header). */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

export async function tokenCommand(args: string[], config: GatewayConfig, out: Out, err: Out): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parseArgs({ args: rest, options: { sub: { type: 'string' }, scopes: { type: 'string' }, ttl: { type: 'string' } } });
  const usage = 'usage: mcpgw token sign --sub agent-1 --scopes postgres,odoo [--ttl 24h]\n';
  if (sub !== 'sign' || !values.sub) {
    err(usage);
    return 2;
  }
  const secret = config.auth.jwt.secret;
  if (!secret) {
    err('JWT_SECRET is not set: token sign issues HS256 tokens with the shared secret the gateway verifies them with\n');
    return 2;
  }
  let ttlMs: number;
  let scopes: string[];
  try {
    ttlMs = parseDuration(values.ttl ?? '24h');
    scopes = values.scopes ? checkKeyInput({ name: values.sub, scopes: values.scopes }).scopes : [];
  } catch (error) {
    err(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  const audience = config.auth.jwt.audience?.[0];
  const token = await signToken({
    secret,
    subject: values.sub,
    scopes,
    ttlMs,
    ...(config.auth.jwt.issuer ? { issuer: config.auth.jwt.issuer } : {}),
    ...(audience ? { audience } : {}),
  });
  out(`${token}\n`);
  return 0;
}

export async function auditCommand(args: string[], config: GatewayConfig, out: Out, err: Out): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: {
      agent: { type: 'string' },
      service: { type: 'string' },
      outcome: { type: 'string' },
      since: { type: 'string' },
      limit: { type: 'string' },
      follow: { type: 'boolean', short: 'f' },
      json: { type: 'boolean' },
      'interval-ms': { type: 'string' },
    },
  });
  if (sub !== 'tail') {
    err('usage: mcpgw audit tail [--agent A] [--service S] [--outcome ok|error|denied|unauthenticated|rate_limited] [--since 1h] [--limit 20] [--follow] [--json]\n');
    return 2;
  }
  const query: AuditQuery = { limit: Math.min(1_000, Math.max(1, Number(values.limit ?? 20) || 20)) };
  if (values.agent) query.agent = values.agent;
  if (values.service) query.service = values.service;
  if (values.outcome) query.outcome = values.outcome as AuditOutcome;
  try {
    if (values.since) query.since = parseSince(values.since);
  } catch (error) {
    err(`${(error as Error).message}\n`);
    return 2;
  }
  const print = (row: StoredAuditRow): void => out(values.json ? `${JSON.stringify(row)}\n` : formatAuditRow(row));
  return withStore(config, err, async (store) => {
    const first = await store.audit.query(query);
    const rows = [...first.rows].reverse();
    rows.forEach(print);
    if (!values.follow) return 0;
    let last = rows.length > 0 ? BigInt(rows[rows.length - 1]!.id) : 0n;
    const interval = Number(values['interval-ms'] ?? 1_000);
    let stop = false;
    const onSignal = (): void => {
      stop = true;
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    while (!stop) {
      await new Promise((r) => setTimeout(r, interval));
      const page = await store.audit.query({ ...query, limit: 1_000 });
      const fresh = page.rows.filter((r) => BigInt(r.id) > last).reverse();
      for (const row of fresh) {
        print(row);
        last = BigInt(row.id);
      }
    }
    return 0;
  }, false);
}

function formatAuditRow(row: StoredAuditRow): string {
  const call = row.service ? `${row.service}${row.tool ? `.${row.tool}` : ''}` : row.endpoint;
  const error = row.errorName ? ` ${row.errorName}(${row.errorCode})` : '';
  return `${row.at.toISOString()}  ${row.agent ?? '-'} [${row.authMethod}]  ${call}  ${row.outcome}${error}  ${row.durationMs.toFixed(1)}ms  ${row.peer ?? '-'}  ${row.requestId}\n`;
}

export async function migrateCommand(config: GatewayConfig, out: Out, err: Out): Promise<number> {
  const applied = await withStore(config, err, (store) => store.migrate(), false);
  out(applied.length === 0 ? 'the gateway store is up to date\n' : `applied migrations: ${applied.join(', ')}\n`);
  return 0;
}
