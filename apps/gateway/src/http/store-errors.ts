import { GatewayError } from '@mcpgw/protocol';
import { StoreError } from '@mcpgw/store';

/** INVALID_PARAMS naming the failing field, in the error table's `issues` shape. */
export function invalidParam(path: string, message: string): GatewayError {
  return new GatewayError('INVALID_PARAMS', message, { data: { issues: [{ path, message }] } });
}

/**
 * Runs a store operation for an HTTP route: an unreachable store becomes STORE_UNAVAILABLE (503,
 * Retry-After 5 s) with `retryHint` in the message; any other error passes through.
 */
export async function storeCall<T>(fn: () => Promise<T>, retryHint = 'retry shortly'): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof StoreError && error.code === 'unavailable') {
      throw new GatewayError('STORE_UNAVAILABLE', `the gateway store is unreachable; ${retryHint}`, { retryAfterSeconds: 5 });
    }
    throw error;
  }
}
