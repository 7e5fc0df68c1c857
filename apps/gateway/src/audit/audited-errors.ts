/**
 * Errors that already left an audit row (the call dispatcher writes one for every call), so the
 * routes that see them again do not write a second. A WeakSet: nothing is kept once an error is gone.
 */
const audited = new WeakSet<object>();

export function markAudited(error: unknown): void {
  if (error !== null && typeof error === 'object') audited.add(error);
}

export function wasAudited(error: unknown): boolean {
  return error !== null && typeof error === 'object' && audited.has(error);
}
