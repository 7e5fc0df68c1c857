import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '../config.js';
import { DEFAULT_CHECKS_FILE, loadChecksFile, parseChecks } from './checks-file.js';

function problem(text: string): string {
  try {
    parseChecks(text, 'checks.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

const valid = `checks:
  - name: echo-flag
    service: echo
    tool: echo
    arguments: { message: "on" }
    schedule: { everyMs: 500 }
    condition: { path: $.echo.message, op: "==", value: "on" }
    message: "flag is {{$.echo.message}}"
`;

describe('the checks file', () => {
  it('parses the shipped default file: the BIR deadline check on a Manila weekday cron and the failed-jobs check every 5 minutes', () => {
    const checks = loadChecksFile(DEFAULT_CHECKS_FILE);
    expect(checks.map((c) => [c.name, c.service, c.tool, c.schedule])).toEqual([
      ['bir-filing-deadlines', 'bir', 'track_bir_filing_deadlines', { cron: '0 8 * * 1-5', tz: 'Asia/Manila' }],
      ['failed-background-jobs', 'monitor', 'list_failed_jobs', { everyMs: 300_000 }],
    ]);
    expect(checks[1]!.condition).toEqual({ new: '$.jobs', key: ['origin', 'id'] });
    expect(checks[0]!.gauges).toEqual({ overdue: '$.summary.overdue', due_today: '$.summary.due_today', due_soon: '$.summary.due_soon' });
    expect(checks[1]!.gauges).toEqual({});
  });

  it('fills defaults: empty arguments, severity warning, tz UTC', () => {
    const [check] = parseChecks(valid.replace('    arguments: { message: "on" }\n', '').replace('{ everyMs: 500 }', '{ cron: "*/5 * * * *" }'), 'x');
    expect(check).toMatchObject({ arguments: {}, severity: 'warning', schedule: { cron: '*/5 * * * *', tz: 'UTC' } });
  });

  it('takes gauges as state label to path, and refuses bad labels and paths', () => {
    const [check] = parseChecks(`${valid}    gauges: { open: $.list, total: $.summary.total }\n`, 'x');
    expect(check!.gauges).toEqual({ open: '$.list', total: '$.summary.total' });
    expect(problem(`${valid}    gauges: { Open: $.list }\n`)).toMatch(/checks\[0\]\.gauges\.Open: a gauge name is 1-32 of a-z/);
    expect(problem(`${valid}    gauges: { open: summary }\n`)).toMatch(/checks\[0\]\.gauges\.open: path "summary" must start with \$/);
  });

  it('accepts JSON', () => {
    const json = JSON.stringify({ checks: [{ name: 'a', service: 'echo', tool: 'echo', schedule: { everyMs: 1000 }, condition: { count: '$.list', op: '>', value: 0 }, message: 'm' }] });
    expect(parseChecks(json, 'checks.json')).toHaveLength(1);
  });

  it('names the line and field of a bad value', () => {
    const message = problem(valid.replace('everyMs: 500', 'everyMs: 5'));
    expect(message).toContain('checks.yaml:6: checks[0].schedule');
    expect(problem(valid.replace('tool: echo', 'tool: echo\n    tz: Mars/Olympus'))).toMatch(/checks\.yaml:\d+: checks\[0\]/);
  });

  it('refuses an unknown time zone, a malformed cron and a path that does not start with $', () => {
    expect(problem(valid.replace('{ everyMs: 500 }', '{ cron: "0 8 * * 1-5", tz: Mars/Olympus }'))).toContain('IANA time zone');
    expect(problem(valid.replace('{ everyMs: 500 }', '{ cron: "every morning" }'))).toContain('five fields');
    expect(problem(valid.replace('path: $.echo.message', 'path: echo.message'))).toContain('checks.yaml:7: checks[0].condition');
  });

  it('refuses an op without a value, unknown fields, and two checks with one name', () => {
    expect(problem(valid.replace(', value: "on"', ''))).toContain('checks[0].condition');
    expect(problem(valid.replace('tool: echo', 'tool: echo\n    script: "rm -rf /"'))).toContain('script');
    expect(problem(`${valid}${valid.replace('checks:\n', '')}`)).toContain('"echo-flag" is used twice');
  });

  it('reports a YAML syntax error with its line and column', () => {
    expect(problem('checks:\n  - name: [unclosed\n')).toMatch(/cannot parse\n {2}checks\.yaml:\d+:\d+/);
  });

  it('says which file could not be read', () => {
    expect(() => loadChecksFile('/nonexistent/checks.yaml')).toThrow('cannot read /nonexistent/checks.yaml (ENOENT)');
  });
});
