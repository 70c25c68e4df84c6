/**
 * DNS rebinding: a server bound to loopback answers only to the host names it knows
 * (MCP Streamable HTTP transport, security warning). A page on evil.example whose name
 * now resolves to 127.0.0.1 still sends `Host: evil.example`, and is refused with a 403.
 * A server bound elsewhere has no list (`allowedHosts` absent) and checks nothing here.
 */
import type { IncomingMessage } from 'node:http';
import { validateHostHeader } from '@modelcontextprotocol/server';
import type { Refusal } from './respond.js';

/** The refusal for `req`'s Host header, or undefined when it is accepted. */
export function refuseHost(req: IncomingMessage, allowedHosts: string[] | undefined): Refusal | undefined {
  if (!allowedHosts) return undefined;
  const host = validateHostHeader(req.headers.host, allowedHosts);
  if (host.ok) return undefined;
  return {
    status: 403,
    body: {
      error: 'forbidden',
      error_description: `${host.message}; add the host name to http.allowedHosts to accept it`,
    },
    reason: 'host_not_allowed',
  };
}
