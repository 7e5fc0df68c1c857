import { describe, expect, it } from '@jest/globals';
import { TaskStatusNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { TASK_POLL_INTERVAL_MS, TASK_TTL_MS } from './mcp-tasks.js';
import { WatchedTasks, progressDelay, taskStatusNotification, workingTask } from './task-status-notifier.js';

describe('WatchedTasks', () => {
  const entry = (nonce: string, n = 0) => ({ nonce, n });

  it('follows tasks by id and forgets one when it ends', () => {
    const watched = new WatchedTasks<ReturnType<typeof entry>>(10);
    expect(watched.add('t1', entry('s1', 1))).toEqual([]);
    watched.add('t2', entry('s1', 2));
    expect(watched.get('t1')).toEqual({ nonce: 's1', n: 1 });
    expect(watched.remove('t1')).toEqual({ nonce: 's1', n: 1 });
    expect(watched.remove('t1')).toBeUndefined();
    expect(watched.size).toBe(1);
  });

  it('keeps at most max tasks, dropping the oldest', () => {
    const watched = new WatchedTasks<ReturnType<typeof entry>>(2);
    watched.add('t1', entry('s1', 1));
    watched.add('t2', entry('s2', 2));
    expect(watched.add('t3', entry('s1', 3))).toEqual([{ nonce: 's1', n: 1 }]);
    expect(watched.size).toBe(2);
    expect(watched.get('t1')).toBeUndefined();
    // The dropped task is no longer among its session's.
    expect(watched.removeSession('s1')).toEqual([{ nonce: 's1', n: 3 }]);
    expect(watched.size).toBe(1);
  });

  it('replaces a task followed again, returning the old entry', () => {
    const watched = new WatchedTasks<ReturnType<typeof entry>>(2);
    watched.add('t1', entry('s1', 1));
    expect(watched.add('t1', entry('s2', 2))).toEqual([{ nonce: 's1', n: 1 }]);
    expect(watched.removeSession('s1')).toEqual([]);
    expect(watched.removeSession('s2')).toEqual([{ nonce: 's2', n: 2 }]);
    expect(watched.size).toBe(0);
  });

  it('drops every task of a session that ended, and only those', () => {
    const watched = new WatchedTasks<ReturnType<typeof entry>>(10);
    watched.add('t1', entry('s1', 1));
    watched.add('t2', entry('s2', 2));
    watched.add('t3', entry('s1', 3));
    expect(watched.removeSession('s1').map((e) => e.n).sort()).toEqual([1, 3]);
    expect(watched.removeSession('s1')).toEqual([]);
    expect([...watched.entries()]).toEqual([{ nonce: 's2', n: 2 }]);
  });
});

describe('progressDelay', () => {
  it('is 0 once the interval has passed since the last notification, else what remains of it', () => {
    expect(progressDelay(0, 5_000, 1_000)).toBe(0);
    expect(progressDelay(4_000, 5_000, 1_000)).toBe(0);
    expect(progressDelay(4_600, 5_000, 1_000)).toBe(600);
  });
});

describe('taskStatusNotification', () => {
  it('is a notifications/tasks/status the MCP SDK accepts, with the task as params', () => {
    const task = workingTask('echo.0123456789abcdef', '2026-01-01T00:00:00.000Z', 'step 3 of 12', new Date('2026-01-01T00:00:05.000Z'));
    expect(task).toEqual({
      taskId: 'echo.0123456789abcdef',
      status: 'working',
      ttl: TASK_TTL_MS,
      createdAt: '2026-01-01T00:00:00.000Z',
      lastUpdatedAt: '2026-01-01T00:00:05.000Z',
      pollInterval: TASK_POLL_INTERVAL_MS,
      statusMessage: 'step 3 of 12',
    });
    const notification = taskStatusNotification(task);
    expect(notification).toEqual({ jsonrpc: '2.0', method: 'notifications/tasks/status', params: task });
    expect(TaskStatusNotificationSchema.safeParse(notification).success).toBe(true);
  });

  it('bounds a long status message', () => {
    expect(workingTask('echo.0123456789abcdef', '2026-01-01T00:00:00.000Z', 'x'.repeat(2_000)).statusMessage).toHaveLength(500);
  });
});
