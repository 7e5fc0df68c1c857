import { describe, expect, it } from '@jest/globals';
import { SseParser } from './sse-parser.js';

function reader(max = 1_000) {
  const events: string[] = [];
  let overflowed = 0;
  const parser = new SseParser((data) => events.push(data), max, () => overflowed++);
  return { parser, events, overflowed: () => overflowed };
}

describe('SseParser', () => {
  it('reads events split anywhere across chunks, joins multi-line data and ignores comments', () => {
    const { parser, events } = reader();
    const stream = ': keep-alive\nid: 7\nretry: 1500\nevent: message\ndata: {"a":\ndata:1}\n\ndata: two\r\n\r\n';
    for (const chunk of stream.match(/.{1,3}/gs)!) parser.feed(chunk);
    expect(events).toEqual(['{"a":\n1}', 'two']);
    expect(parser.lastEventId).toBe('7');
    expect(parser.retryMs).toBe(1500);
  });

  it('delivers an event only once the blank line ending it arrived', () => {
    const { parser, events } = reader();
    parser.feed('id: 1\ndata: x\n');
    expect(events).toEqual([]);
    parser.feed('\n');
    expect(events).toEqual(['x']);
  });

  it('keeps an empty data field (a priming event) and ignores a non-numeric retry', () => {
    const { parser, events } = reader();
    parser.feed('id: p\ndata:\nretry: soon\n\n');
    expect(events).toEqual(['']);
    expect(parser.retryMs).toBeUndefined();
    expect(parser.lastEventId).toBe('p');
  });

  it('stops and reports an event larger than its cap', () => {
    const { parser, events, overflowed } = reader(10);
    parser.feed('data: 0123456789abcdef');
    expect(overflowed()).toBe(1);
    parser.feed('\n\n');
    expect(events).toEqual([]);
  });
});
