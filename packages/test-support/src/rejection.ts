/**
 * The error a promise rejects with, when it is an instance of `type`: `await rejectionOf(call(), ToolError)`
 * for asserting on its fields. Rethrows any other error, and throws when the promise resolves instead.
 */
export async function rejectionOf<E extends Error>(promise: Promise<unknown>, type: abstract new (...args: never[]) => E): Promise<E> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof type) return error;
    throw error;
  }
  throw new Error(`expected a ${type.name}, but the promise resolved`);
}
