/**
 * The small path language of check conditions: `$`, `$.a.b`, `$.list[0].field`, `$["odd key"]`.
 * No wildcards, filters or scripts: a path names one value, and reading it can never run code.
 */
export type PathSegment = string | number;

const SEGMENT = /^(?:\.([A-Za-z_$][\w$-]*)|\[(\d{1,9})\]|\["((?:[^"\\]|\\.)*)"\])/;

/** Parses a path; throws an Error saying what is wrong (the checks file loader adds where). */
export function parsePath(text: string): PathSegment[] {
  if (!text.startsWith('$')) throw new Error(`path ${JSON.stringify(text)} must start with $ (such as $.summary.overdue)`);
  const segments: PathSegment[] = [];
  let rest = text.slice(1);
  while (rest.length > 0) {
    const match = SEGMENT.exec(rest);
    if (!match) throw new Error(`path ${JSON.stringify(text)} is not understood at ${JSON.stringify(rest)}: use .name, [index] or ["key"]`);
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    else segments.push(JSON.parse(`"${match[3]}"`) as string);
    rest = rest.slice(match[0].length);
  }
  return segments;
}

/** The value at a parsed path, or undefined when any step is missing. Only own properties are read. */
export function readPath(root: unknown, segments: readonly PathSegment[]): unknown {
  let current: unknown = root;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    if (typeof segment === 'number') {
      if (!Array.isArray(current)) return undefined;
      current = current[segment];
    } else {
      if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return current;
}
