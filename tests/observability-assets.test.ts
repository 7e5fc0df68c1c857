import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  deleteRedisKeys,
  postJson,
  REDIS_URL,
  REPO_ROOT,
  startGateway,
  testRedisPrefix,
  waitFor,
  type GatewayProcess,
} from '@mcpgw/test-support';

/**
 * The Grafana dashboard and the Prometheus alert rules only use metrics a running gateway really
 * exports (scraped from its metrics port), and every alert links to a section of the runbook.
 */

// `yaml` is a dependency of the gateway, not of the tests: resolve it from there.
const YAML = createRequire(join(REPO_ROOT, 'apps/gateway/package.json'))('yaml') as { parse(text: string): unknown };

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');
const dashboard = JSON.parse(read('deploy/grafana/dashboards/mcp-gateway.json')) as Dashboard;
const rules = YAML.parse(read('deploy/prometheus/alerts.yml')) as { groups: { name: string; rules: Rule[] }[] };
const alerts = rules.groups.flatMap((g) => g.rules);

interface Panel {
  type: string;
  title: string;
  datasource?: { uid?: string };
  targets?: { expr: string; datasource?: { uid?: string } }[];
  panels?: Panel[];
}
interface Dashboard {
  schemaVersion: number;
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: unknown; definition?: string }[] };
}
interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const PROMQL_WORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'inf', 'nan']);
/** Series Prometheus itself records for every target. */
const PROMETHEUS_SERIES = new Set(['up']);

/** The metric names a PromQL expression selects (Grafana variables, label matchers, ranges and grouping removed). */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    if (match[2] || PROMQL_WORDS.has(match[1]!.toLowerCase())) continue; // a function call or a keyword
    names.add(match[1]!);
  }
  return [...names];
}

/** Every metric family the exposition declares (`# TYPE`), with its type, and every sample name. */
function parseExposition(text: string): { types: Map<string, string>; samples: Set<string> } {
  const types = new Map<string, string>();
  const samples = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    else if (line && !line.startsWith('#')) samples.add(/^[^{\s]+/.exec(line)![0]);
  }
  return { types, samples };
}

/** The family a queried name belongs to: histogram `_bucket`/`_sum`/`_count` map to the histogram. */
function family(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return base !== name && types.get(base) === 'histogram' ? base : undefined;
}

function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}
const dashboardQueries = (): { where: string; expr: string }[] => [
  ...allPanels(dashboard.panels).flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr }))),
  // label_values(<selector>, <label>): the selector is the query.
  ...dashboard.templating.list
    .filter((v) => v.type === 'query')
    .map((v) => ({ where: `variable $${v.name}`, expr: (v.definition ?? '').replace(/^label_values\((.*),\s*\w+\)$/, '$1') })),
];

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function anchors(markdown: string): Set<string> {
  const result = new Set<string>();
  for (const match of markdown.matchAll(/^#{1,6}\s+(.+)$/gm)) {
    result.add(match[1]!.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-'));
  }
  return result;
}

describe('metricNames', () => {
  it('finds selected metrics and skips functions, labels, keywords and variables', () => {
    expect(
      metricNames('histogram_quantile(0.95, sum by (le, service) (rate(mcp_operation_duration_seconds_bucket{service=~"$service"}[$__rate_interval])))'),
    ).toEqual(['mcp_operation_duration_seconds_bucket']);
    expect(metricNames('sum(rate(a_total[5m])) / sum(rate(b_total[5m])) > 0.05 and sum(rate(b_total[5m])) > 0.1')).toEqual(['a_total', 'b_total']);
    expect(metricNames('max by (check) (mcp_alerts_open{check="x-y"}) > 0')).toEqual(['mcp_alerts_open']);
  });
});

describe('the dashboard', () => {
  it('is a Grafana dashboard on a Prometheus datasource variable', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(dashboard.uid).toBe('mcp-gateway');
    expect(dashboard.templating.list).toContainEqual(expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', query: 'prometheus' }));
    const panels = allPanels(dashboard.panels).filter((p) => p.type !== 'row');
    expect(panels.length).toBeGreaterThan(20);
    for (const panel of panels) {
      expect(panel.datasource?.uid).toBe('${DS_PROMETHEUS}');
      expect(panel.targets?.length).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(target.datasource?.uid).toBe('${DS_PROMETHEUS}');
    }
  });

  it('covers what operators asked for', () => {
    const all = dashboardQueries().map((q) => q.expr).join('\n');
    for (const quantile of ['0.5', '0.95', '0.99']) {
      expect(all).toContain(`histogram_quantile(${quantile}, sum by (le, service, tool) (rate(mcp_operation_duration_seconds_bucket`);
    }
    for (const metric of [
      'mcp_requests_total', 'mcp_requests_failed_total', 'mcp_circuit_breaker_state', 'mcp_worker_restarts_total',
      'mcp_rate_limit_exceeded_total', 'mcp_token_usage_total', 'mcp_jobs', 'mcp_connection_pool_size',
      'mcp_connection_pool_waiting', 'mcp_alerts_open', 'mcp_check_runs_total', 'mcp_token_cost_usd_total', 'mcp_check_items',
    ]) {
      expect(all).toMatch(new RegExp(`\\b${metric}\\b`));
    }
  });
});

describe('the alert rules', () => {
  const runbook = anchors(read('docs/runbook.md'));

  it('has the alerts of the issue', () => {
    expect(alerts.map((a) => a.alert)).toEqual([
      'MCPGatewayDown', 'MCPGatewayHighErrorRate', 'MCPCircuitBreakerOpen', 'MCPWorkerRestartLoop',
      'MCPJobDeadLettersGrowing', 'MCPRateLimitStorm', 'MCPBirFilingDeadline', 'MCPBirFilingDueToday',
    ]);
  });

  it.each(alerts.map((a) => [a.alert, a] as const))('%s has for, severity, summary and a runbook section', (_name, rule) => {
    expect(rule.expr.trim()).not.toBe('');
    expect(rule.for).toMatch(/^\d+[smh]$/);
    expect(['critical', 'warning', 'info']).toContain(rule.labels?.['severity']);
    expect(rule.annotations?.['summary']).toBeTruthy();
    const url = rule.annotations?.['runbook_url'] ?? '';
    expect(url).toMatch(/^docs\/runbook\.md#[a-z0-9-]+$/);
    expect(runbook).toContain(url.split('#')[1]);
  });

  it('each fire, and stay quiet, in a promtool unit test (deploy/prometheus/alerts.test.yml)', () => {
    const unit = YAML.parse(read('deploy/prometheus/alerts.test.yml')) as {
      rule_files: string[];
      tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
    };
    expect(unit.rule_files).toEqual(['alerts.yml']);
    const cases = unit.tests.flatMap((t) => t.alert_rule_test);
    for (const { alert } of alerts) {
      expect(cases.some((c) => c.alertname === alert && c.exp_alerts.length > 0)).toBe(true);
      expect(cases.some((c) => c.alertname === alert && c.exp_alerts.length === 0)).toBe(true);
    }
  });

  it('pass promtool check rules, its unit tests and check config where promtool is installed', () => {
    let promtool: string | undefined;
    try {
      promtool = execFileSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).trim();
    } catch {
      promtool = undefined; // not installed: the parser tests above are the check
    }
    if (promtool) {
      const dir = join(REPO_ROOT, 'deploy/prometheus');
      execFileSync(promtool, ['check', 'rules', join(dir, 'alerts.yml')], { encoding: 'utf8' });
      execFileSync(promtool, ['test', 'rules', 'alerts.test.yml'], { cwd: dir, encoding: 'utf8' });
      // prometheus.yml names the rules where compose mounts them: check a copy pointing at the repository's file.
      const copy = mkdtempSync(join(tmpdir(), 'mcpgw-promtool-'));
      try {
        writeFileSync(join(copy, 'prometheus.yml'), read('deploy/prometheus/prometheus.yml').replace('/etc/prometheus/alerts.yml', join(dir, 'alerts.yml')));
        execFileSync(promtool, ['check', 'config', join(copy, 'prometheus.yml')], { encoding: 'utf8' });
      } finally {
        rmSync(copy, { recursive: true, force: true });
      }
    }
    expect(alerts.length).toBeGreaterThan(0);
  });
});

describe('against a running gateway', () => {
  const prefix = testRedisPrefix();
  let gateway: GatewayProcess;
  let exposition: ReturnType<typeof parseExposition>;

  const dir = mkdtempSync(join(tmpdir(), 'mcpgw-observability-'));

  beforeAll(async () => {
    // Sandbox workers (the gateway starts the fakes), the shipped checks and job queues. The BIR
    // deadline check runs every 500 ms instead of weekdays at 08:00, so its counts (mcp_check_items)
    // are there to scrape; a price for bir makes the cost of the calls below a series.
    const shipped = YAML.parse(read('apps/gateway/checks.default.yaml')) as { checks: { name: string; schedule: unknown }[] };
    const checksFile = join(dir, 'checks.json');
    writeFileSync(checksFile, JSON.stringify({ checks: shipped.checks.map((c) => (c.name === 'bir-filing-deadlines' ? { ...c, schedule: { everyMs: 500 } } : c)) }));
    gateway = await startGateway({
      env: { WORKERS: 'odoo,supabase,bir,monitor', REDIS_URL, REDIS_KEY_PREFIX: prefix, CHECKS_FILE: checksFile, TOKEN_PRICES_USD: 'bir=2.5' },
      timeoutMs: 90_000,
    });
    const rpc = (method: string, params: unknown) => postJson(`${gateway.url}/mcp/rpc`, { jsonrpc: '2.0', id: 1, method, params });
    expect((await rpc('mcp.execute', { service: 'bir', tool: 'track_bir_filing_deadlines', arguments: {} })).status).toBe(200);
    expect((await rpc('mcp.execute', { service: 'bir', tool: 'no_such_tool', arguments: {} })).body.error).toBeDefined();
    expect((await rpc('mcp.submit', { service: 'monitor', tool: 'get_system_health', arguments: {} })).body.result).toMatchObject({ status: 'queued' });
    const scrapeText = async () => (await fetch(`${gateway.metricsUrl}/metrics`)).text();
    await waitFor(async () => /^mcp_check_items\{/m.test(await scrapeText()), 30_000, 'the first run of the BIR deadline check');
    exposition = parseExposition(await scrapeText());
  }, 150_000);

  afterAll(async () => {
    await gateway?.stop();
    await deleteRedisKeys(prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  it('exports every metric the dashboard queries', () => {
    const missing = dashboardQueries().flatMap(({ where, expr }) =>
      metricNames(expr)
        .filter((name) => !family(name, exposition.types))
        .map((name) => `${where}: ${name}`),
    );
    expect(missing).toEqual([]);
  });

  it('exports every metric the alert rules use', () => {
    const missing = alerts.flatMap((rule) =>
      metricNames(rule.expr)
        .filter((name) => !PROMETHEUS_SERIES.has(name) && !family(name, exposition.types))
        .map((name) => `${rule.alert}: ${name}`),
    );
    expect(missing).toEqual([]);
  });

  it('takes quantiles only over histograms and rates only over counters', () => {
    const exprs = [...dashboardQueries().map((q) => q.expr), ...alerts.map((a) => a.expr)];
    for (const expr of exprs) {
      for (const match of expr.matchAll(/histogram_quantile\([^,]+,[^]*?\b(\w+)_bucket\b/g)) expect(exposition.types.get(match[1]!)).toBe('histogram');
      for (const match of expr.matchAll(/\b(?:rate|increase)\((\w+)[{[]/g)) {
        const name = match[1]!;
        const type = exposition.types.get(family(name, exposition.types) ?? name);
        expect([name, type]).toEqual([name, type === 'histogram' ? 'histogram' : 'counter']);
        if (type === 'histogram') expect(name).toMatch(/_(bucket|sum|count)$/);
      }
    }
  });

  it('has series for the panels that matter before anything goes wrong', () => {
    for (const name of ['mcp_requests_total', 'mcp_requests_failed_total', 'mcp_operation_duration_seconds_bucket', 'mcp_circuit_breaker_state', 'mcp_worker_restarts_total', 'mcp_token_usage_total', 'mcp_token_cost_usd_total', 'mcp_check_items', 'mcp_jobs']) {
      expect([name, exposition.samples.has(name)]).toEqual([name, true]);
    }
  });
});
