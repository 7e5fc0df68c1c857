/**
 * Sliding-window counter arithmetic, shared by the memory limiter and mirrored line for line by the
 * Redis script (keep them in step). A key's windows are anchored at its first unit: [start, start+W),
 * [start+W, start+2W), ... The units counted in the previous window weigh in linearly less as the
 * current one passes, so a caller cannot burst 2×max across a window edge as with a fixed window.
 * Integer arithmetic on ms keeps both implementations bit-for-bit equal.
 */
export interface WindowState {
  /** Start of the current window (ms). */
  start: number;
  /** Units allowed in the current window. */
  count: number;
  /** Units allowed in the window before it. */
  previous: number;
}

/** Moves `state` to the window that contains `now`; true when it moved. */
export function advance(state: WindowState, now: number, windowMs: number): boolean {
  const elapsed = now - state.start;
  if (elapsed < windowMs) return false;
  const windows = Math.floor(elapsed / windowMs);
  state.previous = windows === 1 ? state.count : 0;
  state.count = 0;
  state.start += windows * windowMs;
  return true;
}

/** Units still free `elapsed` ms into the current window (>= 0). */
export function available(max: number, windowMs: number, previous: number, count: number, elapsed: number): number {
  const free = Math.floor((max * windowMs - previous * (windowMs - elapsed)) / windowMs) - count;
  return free > 0 ? free : 0;
}

/**
 * With units left: ms until the current window ends. With none left: ms until the next unit frees up
 * (as the previous window's weight fades, or once the current one has become the previous).
 */
export function resetAfter(max: number, windowMs: number, previous: number, count: number, elapsed: number, remaining: number): number {
  let reset: number;
  if (remaining > 0) reset = windowMs - elapsed;
  else if (count < max) reset = Math.ceil(windowMs - ((max - count - 1) * windowMs) / previous) - elapsed;
  else reset = windowMs - elapsed + Math.ceil(windowMs - ((max - 1) * windowMs) / count);
  return reset > 0 ? reset : 0;
}
