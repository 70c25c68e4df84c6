/**
 * The methods of the MCP endpoint: those of the Streamable HTTP transport, and OPTIONS
 * for CORS preflight. Whoever asks, another method is a 405 naming these (RFC 9110
 * section 15.5.6), so TRACE, PUT, ... never reach the SDK, whose web Request refuses
 * some of them.
 */
import type { Refusal } from './respond.js';

export const MCP_METHODS = 'GET, POST, DELETE, OPTIONS';
const MCP_METHOD_SET = new Set(MCP_METHODS.split(', '));

/** The refusal for `method`, or undefined when the endpoint has it. */
export function refuseMethod(method: string | undefined): Refusal | undefined {
  if (MCP_METHOD_SET.has(method ?? '')) return undefined;
  return {
    status: 405,
    body: { error: 'method_not_allowed', error_description: `The MCP endpoint takes ${MCP_METHODS}, not ${method}` },
    headers: { Allow: MCP_METHODS },
    reason: 'method_not_allowed',
  };
}
