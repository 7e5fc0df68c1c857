import { describe, expect, it } from '@jest/globals';
import { createLineSplitter } from './line-splitter.js';

describe('createLineSplitter', () => {
  it('yields whole lines however the text is chunked', () => {
    const text = '{"a":1}\n{"b":2}\n\n{"c":"x\\ny"}\n';
    for (let size = 1; size <= text.length; size++) {
      const lines: string[] = [];
      const feed = createLineSplitter((l) => lines.push(l), 1_000, () => undefined);
      for (let i = 0; i < text.length; i += size) feed(text.slice(i, i + size));
      expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":"x\\ny"}']);
    }
  });

  it('reports a line longer than the limit and drops it', () => {
    const lines: string[] = [];
    let overflows = 0;
    const feed = createLineSplitter((l) => lines.push(l), 10, () => overflows++);
    feed('x'.repeat(11));
    feed('tail\nok\n');
    expect(overflows).toBe(1);
    expect(lines).toEqual(['tail', 'ok']);
  });
});
