import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serviceNameSchema } from '@mcpgw/protocol';
import { LineCounter, parseDocument, isNode } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../config.js';
import { conditionSchema, countNewParts, pathText, type Condition } from './condition.js';

/** When a check runs: a cron pattern (with an IANA time zone) or a fixed interval. */
export type CheckSchedule = { cron: string; tz: string } | { everyMs: number };

/** One scheduled check: a tool call, and the condition on its result that raises an alert. */
export interface CheckDefinition {
  name: string;
  service: string;
  tool: string;
  arguments: Record<string, unknown>;
  schedule: CheckSchedule;
  condition: Condition;
  severity: 'info' | 'warning' | 'critical';
  /** The alert's text; `{{$.path}}` is replaced by the value at that path of the result. */
  message: string;
  /**
   * Counts exported as `mcp_check_items{check, state}` after each successful run: state label → path
   * of a number (taken as it is) or an array (its length) in the result. Empty: none.
   */
  gauges: Record<string, string>;
}

/** The checks file shipped with the gateway, used when CHECKS_FILE is unset. */
export const DEFAULT_CHECKS_FILE = resolve(dirname(fileURLToPath(import.meta.url)), '../../checks.default.yaml');

/** Five or six cron fields (seconds optional); BullMQ's parser has the final word when it is scheduled. */
const CRON = /^\s*(\S+\s+){4,5}\S+\s*$/;

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** A gauge's name becomes the `state` label of mcp_check_items. */
const GAUGE_NAME = /^[a-z][a-z0-9_]{0,31}$/;

const scheduleSchema = z.union([
  z.strictObject({
    cron: z.string().regex(CRON, 'a cron pattern has five fields (minute hour day-of-month month day-of-week), such as "0 8 * * 1-5"'),
    tz: z.string().refine(validTimeZone, 'an IANA time zone such as Asia/Manila').default('UTC'),
  }),
  z.strictObject({ everyMs: z.number().int().min(100, 'everyMs is at least 100').max(31 * 86_400_000) }),
]);

const checkSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'a check name is 1-64 of a-z, 0-9, _ . - (it names the alert and metric series)'),
    service: serviceNameSchema,
    tool: z.string().min(1).max(128),
    arguments: z.record(z.string(), z.unknown()).default({}),
    schedule: scheduleSchema,
    condition: conditionSchema,
    severity: z.enum(['info', 'warning', 'critical']).default('warning'),
    message: z.string().min(1).max(1_000),
    gauges: z
      .record(z.string(), pathText)
      .superRefine((gauges, ctx) => {
        const names = Object.keys(gauges);
        if (names.length > 16) ctx.addIssue({ code: 'custom', message: 'at most 16 gauges per check' });
        for (const name of names.filter((n) => !GAUGE_NAME.test(n))) {
          ctx.addIssue({ code: 'custom', path: [name], message: 'a gauge name is 1-32 of a-z, 0-9, _ starting with a letter (it becomes the state label)' });
        }
      })
      .default({}),
  })
  .refine((c) => countNewParts(c.condition) <= 1, { message: 'a condition may have at most one "new" part', path: ['condition'] });

const fileSchema = z.strictObject({
  checks: z.array(checkSchema).max(200),
});

/**
 * Parses a checks file (YAML, or JSON, which is YAML too). Throws ConfigError naming the file, the
 * line and the field of the first problems, so an operator can fix it without guessing.
 */
export function parseChecks(text: string, source: string): CheckDefinition[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.slice(0, 5).map((e) => {
      const at = lineCounter.linePos(e.pos[0]);
      return `${source}:${at.line}:${at.col}: ${e.message.split('\n')[0]}`;
    });
    throw new ConfigError(`CHECKS_FILE: cannot parse\n  ${problems.join('\n  ')}`);
  }
  const parsed = fileSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 10).map((issue) => {
      const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
      const node = nearestNode(doc, path);
      const line = node ? lineCounter.linePos(node).line : undefined;
      const field = path.length > 0 ? path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').slice(1) : '(top level)';
      return `${source}${line ? `:${line}` : ''}: ${field}: ${issue.message}`;
    });
    throw new ConfigError(`CHECKS_FILE: invalid checks\n  ${problems.join('\n  ')}`);
  }
  const checks = parsed.data.checks;
  const names = new Set<string>();
  for (const check of checks) {
    if (names.has(check.name)) throw new ConfigError(`CHECKS_FILE: ${source}: the check name "${check.name}" is used twice (names must be unique)`);
    names.add(check.name);
  }
  return checks as CheckDefinition[];
}

/** Reads and parses a checks file; a missing or unreadable file is a ConfigError too. */
export function loadChecksFile(path: string): CheckDefinition[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`CHECKS_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}); set it to a YAML or JSON file, or to none`);
  }
  return parseChecks(text, path);
}

/** The offset of the deepest node on `path` that exists in the document (for line numbers). */
function nearestNode(doc: ReturnType<typeof parseDocument>, path: (string | number)[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return undefined;
}
