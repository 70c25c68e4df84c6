/**
 * `/readyz`: 200 once the server can check tokens; 503 while starting, while the
 * authorization server's signing keys are not loaded, while the shared store (when the
 * manifest names one) is unreachable, and while draining at shutdown,
 * so a load balancer sends traffic only where it can be served. Each probe while the
 * keys are missing asks the verifier to fetch them again (it paces real fetches).
 * Never cached, and the reason is in the body for whoever debugs the probe.
 */
import type { ServerResponse } from 'node:http';
import { storeNotReady } from '../store/shared.js';
import { sendJson } from './respond.js';
import type { HttpSnapshot } from './types.js';

type ReadinessSnapshot = Pick<HttpSnapshot, 'verifier' | 'store'>;

/** Why `s` (undefined while starting) cannot serve yet, or undefined when it can. */
export function notReadyReason(s: ReadinessSnapshot | undefined, draining: boolean): string | undefined {
  if (draining) return 'shutting down';
  if (!s) return 'starting';
  if (s.verifier && !s.verifier.ready())
    return `the authorization server's signing keys are not loaded yet${s.verifier.failure ? `: ${s.verifier.failure}` : ''}`;
  return s.store && storeNotReady(s.store);
}

export function serveReadiness(s: ReadinessSnapshot | undefined, draining: boolean, res: ServerResponse): void {
  if (!draining && s?.verifier && !s.verifier.ready()) void s.verifier.prefetch().catch(() => {});
  const reason = notReadyReason(s, draining);
  if (reason) sendJson(res, 503, { status: 'not_ready', reason }, { 'Retry-After': '5', 'Cache-Control': 'no-store' });
  else sendJson(res, 200, { status: 'ready' }, { 'Cache-Control': 'no-store' });
}
