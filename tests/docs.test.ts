import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { GatewayMetrics, envSchema } from '@mcpgw/gateway';
import { ERROR_SPECS } from '@mcpgw/protocol';
import { REPO_ROOT } from '@mcpgw/test-support';
import { postgresEnvSchema } from '@mcpgw/worker-postgres';

/** The documentation tells the truth: every code, variable, metric and command it names exists, and back. */
const read = (path: string) => readFileSync(`${REPO_ROOT}${path}`, 'utf8');
const readme = read('README.md');

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
  const documented = new Set(rows(readme, /^`[A-Z_]+`$/).map(([name]) => name!.replace(/`/g, '')));
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
    const readmeDefaults = new Map(rows(readme, /^`[A-Z_]+`$/).map(([name, value]) => [name!.replace(/`/g, ''), value ?? '']));
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

  it('every documented variable exists and is in .env.example', () => {
    const known = new Set([...Object.keys(envSchema.shape), ...Object.keys(postgresEnvSchema.shape)]);
    for (const name of documented) {
      expect(known).toContain(name);
      expect(example).toMatch(new RegExp(`^# ${name}=`, 'm'));
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
});
