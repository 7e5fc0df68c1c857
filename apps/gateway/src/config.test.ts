import { describe, expect, it } from '@jest/globals';
import type { SandboxEndpoints } from '@mcpgw/fakes';
import { TEST_WORKER_ENTRY } from '@mcpgw/test-support';
import { ConfigError, loadConfig } from './config.js';
import type { LocalWorkerSpec } from './workers/worker-spec.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 8100,
      metricsHost: '0.0.0.0',
      metricsPort: 9090,
      defaultTimeoutMs: 30_000,
      logLevel: 'info',
      logFormat: 'json',
      bodyLimitBytes: 1_048_576,
      jsonMaxDepth: 64,
      rpcMaxBatch: 100,
      breaker: { volumeThreshold: 10, errorThresholdPercentage: 50 },
    });
    expect(config.workers.map((w) => w.name)).toEqual(expect.arrayContaining(['postgres', 'odoo', 'supabase', 'bir', 'monitor', 'cloudflare']));
  });

  it('points workers without upstream credentials at the sandbox (SANDBOX=auto), and only those', () => {
    const sandboxed = (env: Record<string, string>) => loadConfig(env).workers.filter((w) => w.kind !== 'remote' && w.sandboxEnv).map((w) => w.name);
    // Every built-in worker but postgres (embedded demo) has a sandbox.
    expect(sandboxed({})).toEqual(loadConfig({}).workers.map((w) => w.name).filter((n) => n !== 'postgres'));
    expect(sandboxed({})).toEqual(expect.arrayContaining(['odoo', 'supabase', 'bir', 'monitor', 'cloudflare']));
    const withOdoo = sandboxed({ ODOO_URL: 'https://erp.example.com', ODOO_API_KEY: 'k' });
    expect(withOdoo).toEqual(expect.arrayContaining(['supabase', 'bir', 'cloudflare']));
    expect(withOdoo).not.toContain('odoo');
    expect(withOdoo).not.toContain('monitor');
    expect(sandboxed({ CLOUDFLARE_API_TOKEN: 't'.repeat(40) })).not.toContain('cloudflare');
    expect(sandboxed({})).toContain('mem0');
    expect(sandboxed({ MEM0_API_URL: 'http://mem0.internal:8888' })).not.toContain('mem0');
    expect(sandboxed({ SANDBOX: 'off' })).toEqual([]);
    const odoo = loadConfig({}).workers.find((w) => w.name === 'odoo') as LocalWorkerSpec;
    const env = odoo.sandboxEnv!({ odoo: { url: 'http://127.0.0.1:1', db: 'sandbox', username: 'admin', apiKey: 'k' }, supabase: { url: 'http://127.0.0.1:2', serviceRoleKey: 's' }, databaseUrl: 'postgres://x@127.0.0.1:3/postgres' } as SandboxEndpoints);
    expect(env).toEqual({ ODOO_URL: 'http://127.0.0.1:1', ODOO_DB: 'sandbox', ODOO_USERNAME: 'admin', ODOO_API_KEY: 'k', ODOO_SANDBOX: 'true' });
    expect(() => loadConfig({ SANDBOX: 'maybe' })).toThrow(/SANDBOX="maybe"/);
  });

  it('stops start-up naming every bad variable and the expected form', () => {
    const attempt = () => loadConfig({ PORT: 'eighty', LOG_FORMAT: 'xml', BREAKER_VOLUME_THRESHOLD: '3' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/PORT="eighty": expected a whole number/);
    expect(attempt).toThrow(/LOG_FORMAT="xml"/);
    expect(attempt).toThrow(/BREAKER_VOLUME_THRESHOLD="3": .*10/);
  });

  it('reads per-service job concurrency as service=jobs pairs, and refuses other forms', () => {
    expect(loadConfig({}).jobs.serviceConcurrency).toEqual({});
    expect(loadConfig({ JOBS_SERVICE_CONCURRENCY: 'github=2, postgres=16' }).jobs.serviceConcurrency).toEqual({ github: 2, postgres: 16 });
    for (const bad of ['github', 'github=0', 'github=1001', 'GitHub=2', 'github=two']) {
      expect(() => loadConfig({ JOBS_SERVICE_CONCURRENCY: bad })).toThrow(/JOBS_SERVICE_CONCURRENCY.*expected service=jobs pairs/);
    }
  });

  it('reads job retry policies per service or tool, and refuses other forms', () => {
    expect(loadConfig({}).jobs.retryPolicy).toEqual({});
    expect(loadConfig({ JOBS_RETRY_POLICY: 'github=5/2000, postgres:query=2' }).jobs.retryPolicy).toEqual({ github: { attempts: 5, backoffMs: 2000 }, 'postgres:query': { attempts: 2 } });
    for (const bad of ['github', 'github=0', 'github=101', 'github=3/5', 'github:=3', 'github=three']) {
      expect(() => loadConfig({ JOBS_RETRY_POLICY: bad })).toThrow(/JOBS_RETRY_POLICY.*expected service\[:tool\]=attempts/);
    }
  });

  it('reads token prices per service or service.tool, and refuses other forms, duplicates and services that are not started', () => {
    expect(loadConfig({}).tokenPricesUsd).toEqual({});
    expect(loadConfig({ WORKERS: 'bir,monitor', TOKEN_PRICES_USD: 'bir=2.5, monitor.get_system_health=0.75' }).tokenPricesUsd).toEqual({ bir: 2.5, 'monitor.get_system_health': 0.75 });
    expect(() => loadConfig({ TOKEN_PRICES_USD: 'bir=2,5' })).toThrow(/TOKEN_PRICES_USD="bir=2,5": expected service=usdPerMillionTokens/);
    expect(() => loadConfig({ TOKEN_PRICES_USD: 'bir=-1' })).toThrow(ConfigError);
    expect(() => loadConfig({ WORKERS: 'bir', TOKEN_PRICES_USD: 'bir=1,bir=2' })).toThrow(/TOKEN_PRICES_USD: bir priced twice/);
    expect(() => loadConfig({ WORKERS: 'bir', TOKEN_PRICES_USD: 'bir=1,openai=2,anthropic.messages=3' })).toThrow(/TOKEN_PRICES_USD: no worker named openai, anthropic \(started: bir\)/);
  });

  it('treats blank variables as unset', () => {
    expect(loadConfig({ PORT: '  ', HOST: '' }).port).toBe(8100);
  });

  it('selects built-in workers and refuses unknown ones', () => {
    expect(loadConfig({ WORKERS: 'none' }).workers).toEqual([]);
    expect(() => loadConfig({ WORKERS: 'postgres,oracle' })).toThrow(/WORKERS: unknown worker "oracle"; use all, none, or a list of: postgres/);
  });

  it('adds EXTRA_WORKERS and checks their form and file', () => {
    const config = loadConfig({ WORKERS: 'none', EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}` });
    expect(config.workers).toEqual([
      expect.objectContaining({ name: 'echo', command: process.execPath, args: [TEST_WORKER_ENTRY], required: true }),
    ]);
    expect(() => loadConfig({ EXTRA_WORKERS: 'Echo=x.js' })).toThrow(/must look like name=path/);
    expect(() => loadConfig({ EXTRA_WORKERS: 'echo=/nonexistent/worker.js' })).toThrow(/no file at \/nonexistent\/worker.js/);
    expect(() => loadConfig({ EXTRA_WORKERS: `postgres=${TEST_WORKER_ENTRY}` })).toThrow(/defined twice/);
  });

  it('marks only REQUIRED_WORKERS as required when set', () => {
    const config = loadConfig({ WORKERS: 'postgres', EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}`, REQUIRED_WORKERS: 'echo' });
    expect(config.workers.map((w) => [w.name, w.required])).toEqual([
      ['postgres', false],
      ['echo', true],
    ]);
    expect(() => loadConfig({ REQUIRED_WORKERS: 'gitlab' })).toThrow(/REQUIRED_WORKERS: "gitlab" is not a started worker/);
  });

  it('requires no worker with REQUIRED_WORKERS=none', () => {
    const config = loadConfig({ WORKERS: 'postgres,odoo', REQUIRED_WORKERS: 'none' });
    expect(config.workers.map((w) => [w.name, w.required])).toEqual([
      ['postgres', false],
      ['odoo', false],
    ]);
  });

  it('gives a worker only the base variables, its own prefix and its declared prefixes', () => {
    const config = loadConfig({
      PATH: '/usr/bin',
      LOG_LEVEL: 'warn',
      POSTGRES_DATABASES: 'sales=postgres://u:p@h/db',
      DB_POOL_MAX: '3',
      JWT_SECRET: 'gateway-only-secret-value-000000000',
      ECHO_SECRET: 'for-echo-only',
      EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}`,
    });
    const postgres = config.workers.find((w) => w.name === 'postgres') as LocalWorkerSpec;
    const echo = config.workers.find((w) => w.name === 'echo') as LocalWorkerSpec;
    expect(postgres.env).toEqual({
      PATH: '/usr/bin',
      LOG_LEVEL: 'warn',
      POSTGRES_DATABASES: 'sales=postgres://u:p@h/db',
      DB_POOL_MAX: '3',
      MCPGW_SERVICE_NAME: 'postgres',
    });
    expect(echo.env).toEqual({ PATH: '/usr/bin', LOG_LEVEL: 'warn', ECHO_SECRET: 'for-echo-only', MCPGW_SERVICE_NAME: 'echo' });
  });

  it('refuses a restart cap below the restart base', () => {
    expect(() => loadConfig({ WORKER_RESTART_BASE_MS: '5000', WORKER_RESTART_MAX_MS: '1000' })).toThrow(/WORKER_RESTART_MAX_MS/);
  });

  it('parses the front door settings with safe defaults', () => {
    const config = loadConfig({}, '/srv/gw');
    expect(config.store).toMatchObject({ databaseUrl: undefined, schema: 'mcpgw', dataDir: '/srv/gw/.mcpgw' });
    expect(config.auth).toMatchObject({ localhostBypass: true, localScopes: ['*', 'admin'], trustProxy: [], trustedNetworks: [], keyCacheTtlMs: 1_000 });
    expect(config.rateLimit).toEqual({ max: 100, windowMs: 60_000 });
    const custom = loadConfig({
      LOCALHOST_BYPASS: 'false',
      LOCAL_SCOPES: 'postgres,echo:echo',
      TRUSTED_NETWORKS: '10.0.0.0/8, fd00::/8',
      TRUST_PROXY: '127.0.0.1,loopback,10.1.0.0/16',
      JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----',
      JWT_AUDIENCE: 'a,b',
      RATE_LIMIT_MAX_REQUESTS: '0',
    });
    expect(custom.auth).toMatchObject({ localhostBypass: false, localScopes: ['postgres', 'echo:echo'], trustedNetworks: ['10.0.0.0/8', 'fd00::/8'] });
    expect(custom.auth.jwt.publicKeyPem).toBe('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----');
    expect(custom.auth.jwt.audience).toEqual(['a', 'b']);
    expect(custom.rateLimit.max).toBe(0);
  });

  it.each([
    ['TRUSTED_NETWORKS', '10.0.0.1', /TRUSTED_NETWORKS: "10.0.0.1" is not a CIDR/],
    ['TRUST_PROXY', 'proxy.internal', /TRUST_PROXY: "proxy.internal" is not an address/],
    ['JWT_SECRET', 'short', /JWT_SECRET=.*at least 32 characters/],
    ['JWT_PUBLIC_KEY', 'abc', /JWT_PUBLIC_KEY=.*PEM public key/],
    ['JWT_JWKS_URL', 'ftp://idp/jwks', /JWT_JWKS_URL=.*http\(s\) URL/],
    ['LOCAL_SCOPES', 'Postgres', /LOCAL_SCOPES=.*expected scopes such as/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL=.*postgres:\/\//],
    ['DATABASE_SCHEMA', 'Bad-Name', /DATABASE_SCHEMA=.*SQL identifier/],
    ['REDIS_URL', 'localhost:6379', /REDIS_URL=.*redis:\/\//],
    ['JWT_CLOCK_TOLERANCE_SEC', '120', /JWT_CLOCK_TOLERANCE_SEC/],
    ['API_KEY_CACHE_TTL_MS', '5000', /API_KEY_CACHE_TTL_MS/],
  ])('refuses %s=%s naming the expected form', (name, value, pattern) => {
    expect(() => loadConfig({ [name]: value })).toThrow(pattern);
  });

  it('never hands the store, Redis or JWT settings to a worker, even one named after them', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u:p@db/gw',
      REDIS_URL: 'redis://:pw@r:6379',
      JWT_SECRET: 'x'.repeat(40),
      MCPGW_DATA_DIR: '/d',
      REDIS_EXTRA: 'for-the-redis-worker',
      EXTRA_WORKERS: `redis=${TEST_WORKER_ENTRY},jwt=${TEST_WORKER_ENTRY},database=${TEST_WORKER_ENTRY},mcpgw=${TEST_WORKER_ENTRY}`,
    });
    for (const worker of config.workers as LocalWorkerSpec[]) {
      for (const name of ['DATABASE_URL', 'REDIS_URL', 'JWT_SECRET', 'MCPGW_DATA_DIR']) expect(worker.env).not.toHaveProperty(name);
    }
    expect((config.workers.find((w) => w.name === 'redis') as LocalWorkerSpec).env).toHaveProperty('REDIS_EXTRA', 'for-the-redis-worker');
  });
});

describe('loadConfig with WORKER_URLS', () => {
  const token = 'remote-worker-token-0123456789abcdef';

  it('reaches a selected built-in worker at its URL instead of starting it, and adds other names as remote services', () => {
    const config = loadConfig({ WORKERS: 'postgres,odoo', WORKER_URLS: 'postgres=http://mcpgw-worker-postgres:8200/mcp, gitlab=https://gitlab-mcp.internal/mcp', WORKER_AUTH_TOKEN: token });
    expect(config.workers.map((w) => [w.name, w.kind ?? 'local'])).toEqual([
      ['postgres', 'remote'],
      ['odoo', 'local'],
      ['gitlab', 'remote'],
    ]);
    expect(config.workers[0]).toEqual({ kind: 'remote', name: 'postgres', url: 'http://mcpgw-worker-postgres:8200/mcp', required: true });
    expect(config.workers[0]).not.toHaveProperty('sandboxEnv');
    expect(config.worker.authToken).toBe(token);
  });

  it('applies REQUIRED_WORKERS to remote workers like local ones', () => {
    const config = loadConfig({ WORKERS: 'none', WORKER_URLS: 'a=http://a:8200/mcp,b=http://b:8200/mcp', REQUIRED_WORKERS: 'b' });
    expect(config.workers.map((w) => [w.name, w.required])).toEqual([
      ['a', false],
      ['b', true],
    ]);
  });

  it('refuses bad entries with a message naming the variable and the problem', () => {
    const load = (urls: string, extra: Record<string, string> = {}) => () => loadConfig({ WORKERS: 'none', WORKER_URLS: urls, ...extra });
    expect(load('http://a:8200/mcp')).toThrow(/WORKER_URLS: "http:\/\/a:8200\/mcp" must look like name=http/);
    expect(load('Bad_Name=http://a:8200/mcp')).toThrow(ConfigError);
    expect(load('a=not a url')).toThrow(/WORKER_URLS: a: "not a url" is not a URL/);
    expect(load('a=ftp://a/mcp')).toThrow(/WORKER_URLS: a: expected an http or https URL, not ftp:/);
    expect(load('a=http://user:secret@a:8200/mcp')).toThrow(/WORKER_URLS: a: the URL must not carry credentials/);
    expect(load('a=http://a:8200/mcp,a=http://b:8200/mcp')).toThrow(/WORKER_URLS: service "a" is listed twice/);
    expect(load(`echo=http://a:8200/mcp`, { EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}` })).toThrow(/WORKER_URLS: service "echo" is defined twice/);
    expect(() => loadConfig({ WORKER_AUTH_TOKEN: 'too-short' })).toThrow(/WORKER_AUTH_TOKEN=\[hidden\]: must be at least 32 characters/);
  });

  it('keeps WORKER_URLS and WORKER_AUTH_TOKEN from local workers', () => {
    const config = loadConfig({ WORKERS: 'none', EXTRA_WORKERS: `worker=${TEST_WORKER_ENTRY}`, WORKER_URLS: 'a=http://a:8200/mcp', WORKER_AUTH_TOKEN: token, WORKER_EXTRA: 'mine' });
    const local = config.workers.find((w) => w.name === 'worker') as LocalWorkerSpec;
    expect(local.env).not.toHaveProperty('WORKER_AUTH_TOKEN');
    expect(local.env).not.toHaveProperty('WORKER_URLS');
    expect(local.env).toHaveProperty('WORKER_EXTRA', 'mine');
  });
});

describe('tracing settings (OTEL_*)', () => {
  it('are off by default, with the documented name and ratio', () => {
    expect(loadConfig({ WORKERS: 'none' }).tracing).toEqual({ endpoint: undefined, serviceName: 'mcp-gateway', sampleRatio: 1 });
  });

  it('parse the endpoint, service name and ratio', () => {
    const config = loadConfig({ WORKERS: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SERVICE_NAME: 'gw-eu', OTEL_TRACES_SAMPLER_ARG: '0.25' });
    expect(config.tracing).toEqual({ endpoint: 'http://collector:4318', serviceName: 'gw-eu', sampleRatio: 0.25 });
  });

  it('refuse a bad endpoint or ratio, naming the variable', () => {
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318": expected the OTLP\/HTTP base URL/);
    expect(() => loadConfig({ OTEL_TRACES_SAMPLER_ARG: '1.5' })).toThrow(/OTEL_TRACES_SAMPLER_ARG="1.5": expected a ratio from 0 to 1/);
  });

  it('reach local workers under their own service name, and only when tracing is on', () => {
    const env = { WORKERS: 'none', EXTRA_WORKERS: `worker=${TEST_WORKER_ENTRY}` };
    const on = loadConfig({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SERVICE_NAME: 'gw', OTEL_TRACES_SAMPLER_ARG: '0.5' });
    expect((on.workers[0] as LocalWorkerSpec).env).toMatchObject({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SERVICE_NAME: 'mcpgw-worker-worker', OTEL_TRACES_SAMPLER_ARG: '0.5' });
    const off = loadConfig({ ...env, OTEL_SERVICE_NAME: 'gw' });
    expect(Object.keys((off.workers[0] as LocalWorkerSpec).env).filter((k) => k.startsWith('OTEL_'))).toEqual([]);
  });
});
