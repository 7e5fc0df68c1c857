import type { GatewayError } from '@mcpgw/protocol';

/**
 * Cancellation for one call. An AbortController would do, but it is an EventTarget and costs
 * several microseconds per call on the hot path; this has one listener slot, which is all a call
 * needs (it is either queued in the gate or in flight to the worker, never both).
 */
export interface CancelListener {
  cancelled(reason: GatewayError): void;
}

export class CallControl {
  private reasonValue: GatewayError | undefined;
  private listener: CancelListener | undefined;

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
    listener?.cancelled(reason);
  }

  /** Sets (or, with undefined, clears) who is told about a cancellation. */
  onCancel(listener: CancelListener | undefined): void {
    this.listener = listener;
  }
}
