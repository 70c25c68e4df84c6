/**
 * A JSON POST body is read and parsed once, by the listener, and handed on parsed: the
 * session routing and the SDK decide on the parsed value and never read it again
 * (mcp/node-adapter.ts is the other side of that hand-over).
 */
import type { IncomingMessage } from 'node:http';

/** A POST body the listener has read and parsed. */
export interface ReadBody {
  readonly parsed: unknown;
}

/** The body as text, or why there is none; past `limit` the rest is discarded, not buffered. */
export function readBody(req: IncomingMessage, limit: number): Promise<string | 'too-large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData).off('end', onEnd);
      req.resume();
      resolve('too-large');
    };
    const onEnd = () => resolve(Buffer.concat(chunks, size).toString('utf8'));
    // 'close' before 'end' (or 'error'): the client left mid-body.
    req
      .on('data', onData)
      .on('end', onEnd)
      .once('error', () => resolve('aborted'))
      .once('close', () => resolve('aborted'));
  });
}
