import { parsePath, readPath } from './json-path.js';

/**
 * The counts a check's `gauges` read from one result: a number is taken as it is (a summary count),
 * an array by its length. A path that reads anything else (missing, text, negative) is left out, so
 * its series disappears rather than showing a made-up zero.
 */
export function readCheckItems(gauges: Readonly<Record<string, string>>, result: unknown): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [state, path] of Object.entries(gauges)) {
    const value = readPath(result, parsePath(path));
    if (Array.isArray(value)) counts[state] = value.length;
    else if (typeof value === 'number' && Number.isFinite(value) && value >= 0) counts[state] = value;
  }
  return counts;
}
