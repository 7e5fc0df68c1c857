import { describe, expect, it } from '@jest/globals';
import type { JobView } from '../jobs/job-service.js';
import { callToolResultOf, progressMessage, taskOf, taskStatusOf, withTaskSupport } from './mcp-tasks.js';

const base: JobView = {
  jobId: 'echo.0123456789abcdef',
  service: 'echo',
  tool: 'sleep',
  status: 'queued',
  progress: 0,
  attempts: 0,
  maxAttempts: 1,
  errors: [],
  submittedAt: '2026-01-01T00:00:00.000Z',
  startedAt: null,
  finishedAt: null,
  durationMs: null,
};
const cancelled = { code: -32061, name: 'REQUEST_CANCELLED', message: 'the job was cancelled' };
const failed = { code: -32050, name: 'TOOL_FAILED', message: 'asked to fail' };

describe('MCP tasks from jobs', () => {
  it('maps job statuses to task statuses', () => {
    expect(taskStatusOf({ status: 'queued' })).toBe('working');
    expect(taskStatusOf({ status: 'active' })).toBe('working');
    expect(taskStatusOf({ status: 'completed' })).toBe('completed');
    expect(taskStatusOf({ status: 'failed', error: cancelled })).toBe('cancelled');
    expect(taskStatusOf({ status: 'dead', error: failed })).toBe('failed');
  });

  it('says what the stored progress says, and nothing for the default 0', () => {
    expect(progressMessage(0)).toBeUndefined();
    expect(progressMessage(40)).toBe('progress 40');
    expect(progressMessage('half way')).toBe('half way');
    expect(progressMessage({ progress: 3, total: 10 })).toBe('progress 3/10');
    expect(progressMessage({ progress: 3, total: 10, message: 'page 3 of 10' })).toBe('page 3 of 10');
    expect(progressMessage([1])).toBeUndefined();
  });

  it('builds the task: times from the job, statusMessage from progress while working and from the error after', () => {
    expect(taskOf({ ...base, status: 'active', progress: { progress: 1, total: 2 }, startedAt: '2026-01-01T00:00:01.000Z' })).toMatchObject({
      taskId: base.jobId, status: 'working', createdAt: base.submittedAt, lastUpdatedAt: '2026-01-01T00:00:01.000Z', statusMessage: 'progress 1/2',
    });
    expect(taskOf({ ...base, status: 'dead', error: failed, finishedAt: '2026-01-01T00:00:02.000Z' })).toMatchObject({ status: 'failed', statusMessage: 'asked to fail', lastUpdatedAt: '2026-01-01T00:00:02.000Z' });
    expect(taskOf(base).statusMessage).toBeUndefined();
  });

  it('answers the stored envelope as a CallToolResult, and an error as a tool error', () => {
    const done = callToolResultOf({ ...base, status: 'completed', result: { status: 'success', data: { slept: 5 }, metadata: {} } });
    expect(done).toEqual({ content: [{ type: 'text', text: '{"slept":5}' }], structuredContent: { slept: 5 }, _meta: { 'io.modelcontextprotocol/related-task': { taskId: base.jobId } } });
    const list = callToolResultOf({ ...base, status: 'completed', result: { status: 'success', data: [1, 2], metadata: {} } });
    expect(list['structuredContent']).toBeUndefined();
    expect(list['content']).toEqual([{ type: 'text', text: '[1,2]' }]);
    expect(callToolResultOf({ ...base, status: 'dead', error: failed })).toMatchObject({ isError: true, content: [{ type: 'text', text: 'asked to fail' }], _meta: { 'mcpgw/error': { name: 'TOOL_FAILED', code: -32050 } } });
    expect(callToolResultOf({ ...base, status: 'completed', result: { truncated: true, bytes: 70_000 } })).toMatchObject({ isError: true });
  });

  it('marks tools as optionally callable as tasks without changing the listed objects', () => {
    const tools = [{ name: 'a', inputSchema: {} }];
    expect(withTaskSupport(tools)).toEqual([{ name: 'a', inputSchema: {}, execution: { taskSupport: 'optional' } }]);
    expect(tools[0]).toEqual({ name: 'a', inputSchema: {} });
  });
});
