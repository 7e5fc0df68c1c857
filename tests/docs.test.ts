import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { GatewayMetrics, envSchema } from '@mcpgw/gateway';
import { ERROR_SPECS } from '@mcpgw/protocol';
import { REPO_ROOT } from '@mcpgw/test-support';
import { postgresEnvSchema } from '@mcpgw/worker-postgres';
// The monitoring workers are not dependencies of this package: their sources are imported by path.
import { birEnvSchema, birWorker } from '../apps/workers/bir/src/bir-worker.js';
import { cloudflareEnvSchema, cloudflareWorker } from '../apps/workers/cloudflare/src/cloudflare-worker.js';
import { githubEnvSchema, githubWorker } from '../apps/workers/github/src/github-worker.js';
import { mem0EnvSchema, mem0Worker } from '../apps/workers/mem0/src/mem0-worker.js';
import { monitorEnvSchema, monitorWorker } from '../apps/workers/monitor/src/monitor-worker.js';
import { n8nEnvSchema, n8nWorker } from '../apps/workers/n8n/src/n8n-worker.js';
import { odooEnvSchema, odooWorker } from '../apps/workers/odoo/src/odoo-worker.js';
import { supabaseEnvSchema, supabaseWorker } from '../apps/workers/supabase/src/supabase-worker.js';

/** The documentation tells the truth: every code, variable, metric and command it names exists, and back. */
const read = (path: string) => readFileSync(`${REPO_ROOT}${path}`, 'utf8');
const readme = read('README.md');

/** What the docs need of a worker: its tools (with their zod inputs) and slash commands. */
interface DocumentedWorker {
  options: { name: string; tools: readonly { name: string; input: ZodShaped }[]; commands?: readonly { pattern: string; tool: string }[] };
}

/** A zod object schema, as far as the docs need it (zod is not a dependency of this package). */
interface ZodShaped {
  shape: Record<string, unknown>;
}

/** The monitoring workers and the variables each reads. */
const MONITORING_WORKERS: readonly { worker: DocumentedWorker; env: ZodShaped }[] = [
  { worker: odooWorker, env: odooEnvSchema },
  { worker: supabaseWorker, env: supabaseEnvSchema },
  { worker: birWorker, env: birEnvSchema },
  { worker: monitorWorker, env: monitorEnvSchema },
  { worker: n8nWorker, env: n8nEnvSchema },
  { worker: cloudflareWorker, env: cloudflareEnvSchema },
  { worker: mem0Worker, env: mem0EnvSchema },
  { worker: githubWorker, env: githubEnvSchema },
];

/** A schema's default as the docs write it, or undefined when the variable has none. */
function defaultOf(schema: unknown): string | undefined {
  const def = (schema as { def: { type: string; defaultValue?: unknown } }).def;
  if (def.type !== 'default') return undefined;
  return Array.isArray(def.defaultValue) ? def.defaultValue.join(',') : String(def.defaultValue);
}

/** Rows of every markdown table in `text` whose first cell matches `first`. */
function rows(text: string, first: RegExp): string[][] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()))
    .filter((cells) => first.test(cells[0] ?? ''));
}

describe('error codes', () => {
  for (const [file, text] of [['docs/errors.md', read('docs/errors.md')], ['README.md', readme]] as const) {
    it(`${file} lists exactly the codes of the error table, with their names and HTTP statuses`, () => {
      const documented = rows(text, /^-32\d{3}$/).map(([code, name, http]) => [Number(code), name!.replace(/`/g, ''), Number(http)]);
      expect(documented).toEqual(ERROR_SPECS.map((s) => [s.code, s.name, s.httpStatus]));
    });
  }
});

describe('configuration', () => {
  const documented = new Set(rows(readme, /^`[A-Z][A-Z0-9_]*`$/).map(([name]) => name!.replace(/`/g, '')));
  const example = read('.env.example');

  it('README documents every variable the gateway reads', () => {
    const gateway = Object.keys(envSchema.shape);
    for (const name of gateway) expect(documented).toContain(name);
  });

  it('README documents every variable the postgres worker reads', () => {
    for (const name of Object.keys(postgresEnvSchema.shape).filter((n) => n.startsWith('POSTGRES_') || n.startsWith('DB_'))) {
      expect(documented).toContain(name);
    }
  });

  it('README and .env.example give every gateway default as the code has it', () => {
    const readmeDefaults = new Map(rows(readme, /^`[A-Z][A-Z0-9_]*`$/).map(([name, value]) => [name!.replace(/`/g, ''), value ?? '']));
    for (const [name, schema] of Object.entries(envSchema.shape)) {
      const def = (schema as unknown as { def: { type: string; defaultValue?: unknown } }).def;
      if (def.type !== 'default') continue;
      const value = Array.isArray(def.defaultValue) ? def.defaultValue.join(',') : String(def.defaultValue);
      const inReadme = readmeDefaults.get(name);
      if (value === '') expect({ name, cell: inReadme?.startsWith('—') }).toEqual({ name, cell: true });
      else expect({ name, cell: inReadme }).toEqual({ name, cell: `\`${value}\`` });
      expect({ name, line: new RegExp(`^# ${name}=(\\S*)`, 'm').exec(example)?.[1] }).toEqual({ name, line: value });
    }
  });

  it('README documents every variable the odoo, supabase, bir and monitor workers read, with its default', () => {
    const readmeDefaults = new Map(rows(readme, /^`[A-Z][A-Z0-9_]*`$/).map(([name, value]) => [name!.replace(/`/g, ''), value ?? '']));
    for (const { worker, env } of MONITORING_WORKERS) {
      for (const [name, schema] of Object.entries(env.shape)) {
        expect({ worker: worker.options.name, name, documented: documented.has(name) }).toEqual({ worker: worker.options.name, name, documented: true });
        const value = defaultOf(schema);
        if (value === undefined) continue;
        expect({ name, cell: readmeDefaults.get(name) }).toEqual({ name, cell: `\`${value}\`` });
        expect({ name, line: new RegExp(`^# ${name}=(\\S*)`, 'm').exec(example)?.[1] }).toEqual({ name, line: value });
      }
    }
  });

  it('every documented variable exists and is in .env.example', () => {
    const known = new Set([
      ...Object.keys(envSchema.shape),
      ...Object.keys(postgresEnvSchema.shape),
      ...MONITORING_WORKERS.flatMap(({ env }) => Object.keys(env.shape)),
    ]);
    for (const name of documented) {
      expect(known).toContain(name);
      expect(example).toMatch(new RegExp(`^# ${name}=`, 'm'));
    }
  });
});

describe('tools and workers', () => {
  const toolDocs = readdirSync(`${REPO_ROOT}docs/tools`)
    .filter((f) => f.endsWith('.md'))
    .map((f) => read(`docs/tools/${f}`))
    .join('\n');
  /** Headings that name a tool: `# \`get_system_health\`` or `## \`search_read\``. */
  const toolHeading = () => /^#{1,2} `([a-z][a-z0-9_]*)`$/gm;
  /** The text documenting one tool: from its heading to the next tool's heading. */
  const sectionOf = (tool: string): string | undefined => {
    const start = toolDocs.search(new RegExp(`^#{1,2} \`${tool}\`$`, 'm'));
    if (start < 0) return undefined;
    const headings = toolHeading();
    headings.lastIndex = start + 1;
    const next = headings.exec(toolDocs);
    return toolDocs.slice(start, next ? next.index : undefined);
  };

  it('docs/tools documents every tool of the monitoring workers, each argument by name, and no tool that does not exist', () => {
    const tools = MONITORING_WORKERS.flatMap(({ worker }) => worker.options.tools);
    expect(tools.length).toBeGreaterThan(15);
    for (const tool of tools) {
      const section = sectionOf(tool.name);
      expect({ tool: tool.name, documented: section !== undefined }).toEqual({ tool: tool.name, documented: true });
      for (const argument of Object.keys(tool.input.shape)) {
        expect({ tool: tool.name, argument, documented: section!.includes(`\`${argument}\``) }).toEqual({ tool: tool.name, argument, documented: true });
      }
    }
    const documentedTools = [...toolDocs.matchAll(toolHeading())].map((m) => m[1]!);
    expect(documentedTools.sort()).toEqual(tools.map((t) => t.name).sort());
  });

  it('each worker page and the tools index give every slash command of the worker', () => {
    const index = read('docs/tools/README.md');
    for (const { worker } of MONITORING_WORKERS) {
      const page = read(`docs/workers/${worker.options.name}.md`);
      for (const command of worker.options.commands ?? []) {
        expect({ worker: worker.options.name, pattern: command.pattern, inPage: page.includes(`/mcp-${worker.options.name} ${command.pattern}`) }).toEqual({
          worker: worker.options.name,
          pattern: command.pattern,
          inPage: true,
        });
        expect({ command: `${worker.options.name} ${command.pattern}`, inIndex: index.includes(command.tool) }).toEqual({ command: `${worker.options.name} ${command.pattern}`, inIndex: true });
      }
    }
  });
});

describe('commands', () => {
  const ci = read('.ci/run');
  const packageJson = JSON.parse(read('package.json')) as { packageManager: string; scripts: Record<string, string> };
  const pnpm = `npx --yes pnpm@${packageJson.packageManager.split('@')[1]}`;

  it('.ci/run runs exactly the README test command', () => {
    const testCommand = `${pnpm} install && ${pnpm} test`;
    expect(readme).toContain(`\n${testCommand}\n`);
    expect(ci.trim().split('\n').at(-1)).toBe(testCommand);
  });

  it('the README start command uses the pinned pnpm and the scripts it names exist', () => {
    expect(readme).toContain(`\n${pnpm} install && ${pnpm} start\n`);
    for (const script of ['start', 'test', 'bench', 'typecheck', 'mcpgw', 'build']) expect(packageJson.scripts[script]).toBeDefined();
  });
});

describe('CLI and endpoints', () => {
  const help = /const HELP = `([\s\S]*?)`;/.exec(read('apps/gateway/src/cli.ts'))?.[1] ?? '';
  const commandSection = help.slice(help.indexOf('commands:\n'), help.indexOf('\n\n', help.indexOf('commands:\n')));
  /** `keys create --name N ...` → `keys create`: the leading plain words. */
  const commandOf = (text: string) => text.split(' ').filter((word, i, all) => /^[a-z]+$/.test(word) && all.slice(0, i).every((w) => /^[a-z]+$/.test(w))).join(' ');
  const readmeCommands = rows(readme, /^`[a-z]/).map(([cell]) => cell!.replace(/`/g, ''));
  const flags = (text: string) => new Set(text.match(/--[a-z][a-z-]*/g) ?? []);

  it('README lists every command of mcpgw help, with its options, and no other', () => {
    const helpCommands = commandSection
      .split('\n')
      .filter((line) => /^ {2}[a-z]/.test(line))
      .map((line) => commandOf(line.trim()))
      .filter((command) => command !== 'help');
    expect(helpCommands.length).toBeGreaterThan(8);
    expect(readmeCommands.map(commandOf).sort()).toEqual([...helpCommands].sort());
    expect([...flags(readmeCommands.join(' '))].sort()).toEqual([...flags(commandSection)].sort());
  });

  it('README lists every HTTP route the gateway serves, and no other', () => {
    const dirs = ['apps/gateway/src/routes', 'apps/gateway/src/plugins'];
    const served = new Set<string>();
    for (const dir of dirs) {
      for (const file of readdirSync(`${REPO_ROOT}${dir}`).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
        for (const match of read(`${dir}/${file}`).matchAll(/\b(?:app|metricsServer)\.(get|post|put|patch|delete)\b[^(]*\(\s*'([^']+)'/g)) {
          served.add(`${match[1]!.toUpperCase()} ${match[2]}`);
        }
      }
    }
    expect(served.size).toBeGreaterThan(10);
    for (const route of served) expect(readme).toContain(`\`${route}\``);
    const listed = rows(readme, /^`(GET|POST|PUT|PATCH|DELETE) \//).flatMap(([cell]) => cell!.split(/,\s*/).map((c) => c.replace(/`/g, '')));
    for (const route of listed) expect(served).toContain(route);
  });

  it('docs/security.md names only test files that exist', () => {
    const security = read('docs/security.md');
    const named = [...security.matchAll(/`((?:apps|packages|tests)\/[^`\s]+\.test\.ts)`/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(10);
    for (const path of named) {
      if (path.includes('*')) {
        const dir = path.slice(0, path.lastIndexOf('/'));
        expect({ path, tests: readdirSync(`${REPO_ROOT}${dir}`).some((f) => f.endsWith('.test.ts')) }).toEqual({ path, tests: true });
      } else expect({ path, exists: existsSync(`${REPO_ROOT}${path}`) }).toEqual({ path, exists: true });
    }
  });
});

describe('metrics', () => {
  it('docs/observability.md lists every metric the gateway exports', async () => {
    const doc = read('docs/observability.md');
    const metrics = new GatewayMetrics();
    const names = (await metrics.registry.getMetricsAsJSON()).map((m) => m.name).filter((n) => n.startsWith('mcp_') || n.startsWith('http_'));
    expect(names.length).toBeGreaterThan(15);
    for (const name of names) expect(doc).toContain(`\`${name}\``);
  });

  it('docs/observability.md names only exported metrics in its metric table, with their type and labels', () => {
    const doc = read('docs/observability.md');
    const metrics = new GatewayMetrics();
    // The table under "## Metrics": | `name` | type | `label`, `label` | meaning |
    const section = doc.slice(doc.indexOf('## Metrics'), doc.indexOf('\n## ', doc.indexOf('## Metrics') + 1));
    const rows = [...section.matchAll(/^\| `((?:mcp|http)_\w+)` \| (\w*) \| ([^|]*) \|/gm)].map((m) => ({
      name: m[1]!,
      type: m[2]!,
      labels: [...m[3]!.matchAll(/`(\w+)`/g)].map((l) => l[1]!),
    }));
    expect(rows.length).toBeGreaterThan(15);
    const documented = rows.map(({ name, type, labels }) => {
      const metric = metrics.registry.getSingleMetric(name) as unknown as { type?: string; labelNames?: readonly string[] } | undefined;
      return { name, type: metric ? metric.type : 'not exported', labels: [...(metric?.labelNames ?? [])] };
    });
    expect(documented).toEqual(rows);
  });
});
