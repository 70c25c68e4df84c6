// Handlers that keep no state of their own: any replica can serve any call. What the
// replicas must share (sessions, rate limits, notifications) is in the store; data of
// your own belongs in a database every replica reaches, not in a module variable.
import { hostname } from 'node:os';

/** @typedef {import('mcp-serve').ToolContext} ToolContext */

/** The replica serving this call: the container's host name (the pod's name in Kubernetes). */
const replica = hostname();

/** @param {Record<string, never>} _input @param {ToolContext} ctx */
export function whoami(_input, ctx) {
  return {
    ...(ctx.auth?.subject !== undefined && { subject: ctx.auth.subject }),
    ...(ctx.auth?.clientId !== undefined && { clientId: ctx.auth.clientId }),
    scopes: ctx.auth?.scopes ?? [],
    replica,
  };
}

/** @param {{ ms: number }} input @param {ToolContext} ctx */
export async function wait({ ms }, ctx) {
  await new Promise((resolve, reject) => {
    if (ctx.signal.aborted) return reject(ctx.signal.reason);
    const timer = setTimeout(resolve, ms);
    ctx.signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(ctx.signal.reason);
    }, { once: true });
  });
  return { waitedMs: ms, replica };
}

/** @param {string} _uri */
export function clock(_uri) {
  return { text: JSON.stringify({ now: new Date().toISOString(), replica }), mimeType: 'application/json' };
}

/** @param {Record<string, never>} _input @param {ToolContext} ctx */
export async function tick(_input, ctx) {
  await ctx.notifyResourceUpdated('fleet://clock');
  return { at: new Date().toISOString(), replica };
}
