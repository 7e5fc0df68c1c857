import { describe, expect, it } from '@jest/globals';
import { compileCommand, matchCommand, type InputJsonSchema } from './command-grammar.js';
import { parseSlashCommand } from './slash-parser.js';

const schemas: Record<string, InputJsonSchema> = {
  list_databases: { type: 'object', properties: {} },
  list_tables: { type: 'object', properties: { database: { type: 'string' }, schema: { type: 'string' } } },
  describe_table: { type: 'object', properties: { database: { type: 'string' }, table: { type: 'string' } } },
  query: {
    type: 'object',
    properties: {
      database: { type: 'string' },
      sql: { type: 'string' },
      maxRows: { anyOf: [{ type: 'integer' }, { type: 'null' }] },
      explain: { type: 'boolean' },
    },
  },
  search: { type: 'object', properties: { text: { type: 'string' } } },
};

const commands = [
  { pattern: 'list databases', tool: 'list_databases', description: 'databases' },
  { pattern: '<database> list tables [<schema>]', tool: 'list_tables', description: 'tables' },
  { pattern: '<database> describe <table>', tool: 'describe_table', description: 'describe' },
  { pattern: '<database> query <sql>', tool: 'query', description: 'query' },
  { pattern: 'search <text...>', tool: 'search', description: 'search' },
].map((c) => compileCommand('postgres', c, schemas[c.tool]));

const run = (command: string) => matchCommand(commands, parseSlashCommand(command), (tool) => schemas[tool]);

describe('command grammar', () => {
  it('matches literals and binds placeholders', () => {
    expect(run('/mcp-postgres sales list tables')).toMatchObject({ command: { tool: 'list_tables' }, arguments: { database: 'sales' } });
    expect(run('/mcp-postgres sales LIST Tables public').arguments).toEqual({ database: 'sales', schema: 'public' });
    expect(run('/mcp-postgres sales describe public.orders').arguments).toEqual({ database: 'sales', table: 'public.orders' });
  });

  it('prefers the pattern with more literal words', () => {
    expect(run('/mcp-postgres list databases').command.tool).toBe('list_databases');
  });

  it('takes a quoted SQL string as one argument and coerces flags to declared types', () => {
    expect(run('/mcp-postgres sales query "select * from orders" --max-rows=5 --explain=false').arguments).toEqual({
      database: 'sales',
      sql: 'select * from orders',
      maxRows: 5,
      explain: false,
    });
  });

  it('joins a rest placeholder', () => {
    expect(run('/mcp-postgres search programming preferences now').arguments).toEqual({ text: 'programming preferences now' });
  });

  it('does not let a quoted word stand for a literal', () => {
    expect(() => run('/mcp-postgres "list" databases')).toThrow(/matches no command/);
  });

  it('lists every valid usage when nothing matches', () => {
    try {
      run('/mcp-postgres sales lst tables');
      throw new Error('expected no match');
    } catch (error) {
      const e = error as { code: number; message: string; data: { usage: string[] } };
      expect(e.code).toBe(-32032);
      expect(e.message).toContain('/mcp-postgres <database> list tables [<schema>]');
      expect(e.data.usage).toHaveLength(commands.length);
    }
  });

  it('rejects malformed patterns when a worker declares them', () => {
    expect(() => compileCommand('x', { pattern: 'a <rest...> b', tool: 't', description: '' })).toThrow(/must come last/);
    expect(() => compileCommand('x', { pattern: 'a <nope>', tool: 't', description: '' }, { properties: {} })).toThrow(/no argument "nope"/);
    expect(() => compileCommand('x', { pattern: 'a $b', tool: 't', description: '' })).toThrow(/neither a word/);
  });
});
