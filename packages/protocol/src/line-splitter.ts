/**
 * MCP's stdio framing: one JSON-RPC message per line. Returns a function to feed text chunks as they
 * arrive; it calls `onLine` with every complete, non-empty line. A line longer than `maxLength`
 * calls `onOverflow` (a peer gone wrong, or an attempt to exhaust memory) and is dropped.
 */
export function createLineSplitter(onLine: (line: string) => void, maxLength: number, onOverflow: () => void): (chunk: string) => void {
  let buffer = '';
  return (chunk: string) => {
    let newline = chunk.indexOf('\n');
    if (newline === -1) {
      buffer += chunk;
      if (buffer.length > maxLength) {
        buffer = '';
        onOverflow();
      }
      return;
    }
    let start = 0;
    if (buffer) {
      const line = buffer + chunk.slice(0, newline);
      buffer = '';
      onLine(line);
      start = newline + 1;
      newline = chunk.indexOf('\n', start);
    }
    while (newline !== -1) {
      if (newline > start) onLine(chunk.slice(start, newline));
      start = newline + 1;
      newline = chunk.indexOf('\n', start);
    }
    if (start < chunk.length) buffer = chunk.slice(start);
  };
}
