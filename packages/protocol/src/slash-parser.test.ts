import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { GatewayError } from './errors.js';
import { parseSlashCommand } from './slash-parser.js';

describe('parseSlashCommand', () => {
  it('splits the service and bare words', () => {
    expect(parseSlashCommand('/mcp-postgres sales list tables')).toEqual({
      service: 'postgres',
      tokens: [
        { kind: 'word', text: 'sales' },
        { kind: 'word', text: 'list' },
        { kind: 'word', text: 'tables' },
      ],
      flags: {},
    });
  });

  it('keeps a double-quoted string as one token, with escapes', () => {
    const parsed = parseSlashCommand('/mcp-postgres sales query "select \\"id\\" from t where a = \'x\'"');
    expect(parsed.tokens[2]).toEqual({ kind: 'quoted', text: 'select "id" from t where a = \'x\'' });
  });

  it('keeps single-quoted strings literal', () => {
    expect(parseSlashCommand("/mcp-x say 'a \\n b'").tokens[1]).toEqual({ kind: 'quoted', text: 'a \\n b' });
  });

  it('parses JSON objects and arrays as single arguments', () => {
    const parsed = parseSlashCommand('/mcp-n8n execute workflow_123 {"data": "payload", "n": [1, {"a": "}"}]}');
    expect(parsed.tokens[2]).toMatchObject({ kind: 'json', value: { data: 'payload', n: [1, { a: '}' }] } });
  });

  it('reads --flag=value, --flag and quoted or JSON flag values', () => {
    const parsed = parseSlashCommand('/mcp-github list-issues --label=bug --state="all open" --draft --filter={"a":1}');
    expect(parsed.flags).toEqual({ label: 'bug', state: 'all open', draft: true, filter: { a: 1 } });
    expect(parsed.tokens).toEqual([{ kind: 'word', text: 'list-issues' }]);
  });

  it('treats everything after a bare -- as positional', () => {
    expect(parseSlashCommand('/mcp-x echo -- --not-a-flag').tokens).toEqual([
      { kind: 'word', text: 'echo' },
      { kind: 'word', text: '--not-a-flag' },
    ]);
  });

  it.each([
    ['postgres sales list tables', /starts with \/mcp-<service>/],
    ['/mcp-Postgres x', /starts with \/mcp-<service>/],
    ['/mcp-postgres query "select 1', /unterminated double quote \(at column 21\)/],
    ['/mcp-postgres q {"a": 1', /unbalanced JSON argument/],
    ['/mcp-postgres q {"a": nope}', /invalid JSON argument/],
    ['/mcp-postgres q --=x', /not a valid flag name/],
    ['/mcp-postgres q "a"b', /closing quote must be followed by a space/],
    [`/mcp-x q ${'['.repeat(70)}${']'.repeat(70)}`, /nested deeper than 64/],
  ])('rejects %j with a message that says what is wrong', (input, message) => {
    expect(() => parseSlashCommand(input)).toThrow(message);
    try {
      parseSlashCommand(input);
    } catch (error) {
      expect(error).toBeInstanceOf(GatewayError);
      expect((error as GatewayError).code).toBe(-32032);
    }
  });

  it('never throws anything but a GatewayError, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.string({ maxLength: 200, unit: 'binary' }), (a, b) => {
        for (const input of [a, `/mcp-svc ${a}`, `/mcp-svc ${b}`]) {
          try {
            const parsed = parseSlashCommand(input);
            expect(parsed.service).toMatch(/^[a-z][a-z0-9-]*$/);
          } catch (error) {
            expect(error).toBeInstanceOf(GatewayError);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});
