import type { Socket } from 'node:net';
import { GatewayError } from '@mcpgw/protocol';
import type { FastifyRequest } from 'fastify';
import type { CallControl } from '../workers/call-control.js';

const kCalls = Symbol('mcpgw.callsOnSocket');

type TrackedSocket = Socket & { [kCalls]?: Set<CallControl> };

/**
 * Cancels a request's worker calls when its client disconnects before the answer. One 'close'
 * listener per connection (not per request): keep-alive clients send thousands of requests on
 * one socket, and a listener per request costs measurable time on the hot path.
 */
export function cancelOnDisconnect(request: FastifyRequest, control: CallControl): void {
  const socket = request.raw.socket as TrackedSocket | null;
  if (!socket) return;
  let calls = socket[kCalls];
  if (!calls) {
    const tracked = new Set<CallControl>();
    calls = tracked;
    socket[kCalls] = tracked;
    socket.once('close', () => {
      if (tracked.size === 0) return;
      const reason = new GatewayError('REQUEST_CANCELLED', 'the client closed the connection');
      for (const c of tracked) c.cancel(reason);
      tracked.clear();
    });
  }
  calls.add(control);
}

/** Stops watching a call (it finished). */
export function forgetCall(request: FastifyRequest, control: CallControl): void {
  (request.raw.socket as TrackedSocket | null)?.[kCalls]?.delete(control);
}
