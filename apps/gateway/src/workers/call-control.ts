import type { GatewayError } from '@mcpgw/protocol';

/**
 * Cancellation for one call. An AbortController would do, but it is an EventTarget and costs
 * several microseconds per call on the hot path; this has one listener slot, which is all a call
 * needs (it is either queued in the gate or in flight to the worker, never both).
 */
export class CallControl {
  private reasonValue: GatewayError | undefined;
  private listener: ((reason: GatewayError) => void) | undefined;

  /** Why the call was cancelled, once it was. */
  get reason(): GatewayError | undefined {
    return this.reasonValue;
  }

  get cancelled(): boolean {
    return this.reasonValue !== undefined;
  }

  /** Cancels the call (first reason wins) and tells whoever is waiting on it. */
  cancel(reason: GatewayError): void {
    if (this.reasonValue) return;
    this.reasonValue = reason;
    const listener = this.listener;
    this.listener = undefined;
    listener?.(reason);
  }

  /** Sets (or, with undefined, clears) the function told about a cancellation. */
  onCancel(listener: ((reason: GatewayError) => void) | undefined): void {
    this.listener = listener;
  }
}
