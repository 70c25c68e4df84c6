/**
 * Resumability of 2025-11-25 sessions: a client whose SSE stream drops reconnects with
 * Last-Event-ID and receives what it missed, including the call's result.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createLogger } from '../src/log.js';
import { type Runtime, startRuntime } from '../src/runtime/index.js';
import { FIXTURES } from './support/server.js';

let dir: string;
let runtime: Runtime;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mcp-oauth-resume-'));
  cpSync(join(FIXTURES, 'handlers'), join(dir, 'handlers'), { recursive: true });
  writeFileSync(
    join(dir, 'mcp-oauth.config.json'),
    JSON.stringify({
      server: { name: 'resume-fixture', version: '1.0.0' },
      auth: { provider: 'none' },
      tools: [
        { name: 'drip', inputSchema: { type: 'object' }, handler: './handlers/context.js#drip' },
        { name: 'hangUp', inputSchema: { type: 'object' }, handler: './handlers/context.js#hangUp' },
      ],
    }),
  );
  runtime = await startRuntime({ cwd: dir, http: { port: 0 }, log: createLogger({ write: () => {} }), drainMs: 500 });
});
after(async () => {
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
});

interface SseEvent {
  id?: string;
  retry?: string;
  data: string;
}

/** Reads SSE events from a response until `stop` says so. */
async function readEvents(response: Response, stop: (events: SseEvent[]) => boolean): Promise<SseEvent[]> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let buffer = '';
  while (!stop(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event: SseEvent = { data: '' };
      for (const line of block.split('\n')) {
        const [field, ...rest] = line.split(':');
        const value = rest.join(':').replace(/^ /, '');
        if (field === 'id') event.id = value;
        else if (field === 'retry') event.retry = value;
        else if (field === 'data') event.data += value;
      }
      events.push(event);
    }
  }
  await reader.cancel().catch(() => {});
  return events;
}

const HEADERS = {
  'Content-Type': 'application/json',
  Accept: 'application/json, text/event-stream',
  'Mcp-Protocol-Version': '2025-11-25',
};

const send = (headers: Record<string, string>, message: unknown) =>
  fetch(runtime.url, { method: 'POST', headers, body: JSON.stringify(message) });

/** The GET that resumes a session's stream after `lastEventId`. */
const resume = (withSession: Record<string, string>, lastEventId: string) =>
  fetch(runtime.url, {
    method: 'GET',
    headers: { ...withSession, Accept: 'text/event-stream', 'Last-Event-ID': lastEventId },
  });

/** initialize + initialized over raw HTTP; resolves with the headers that name the session. */
async function openSession(): Promise<Record<string, string>> {
  const init = await send(HEADERS, {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  });
  const session = init.headers.get('mcp-session-id');
  assert.ok(session, 'initialize opened a session');
  await init.body?.cancel();
  const withSession = { ...HEADERS, 'Mcp-Session-Id': session };
  await (await send(withSession, { jsonrpc: '2.0', method: 'notifications/initialized' })).body?.cancel();
  return withSession;
}

test('a dropped stream is resumed with Last-Event-ID: the missed progress and the result arrive', async () => {
  const withSession = await openSession();

  const call = await send(withSession, {
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name: 'drip', arguments: {}, _meta: { progressToken: 'p1' } },
  });
  assert.equal(call.headers.get('content-type'), 'text/event-stream');
  // Read up to the first progress notification, then drop the stream.
  const before = await readEvents(call, (events) => events.some((e) => e.data.includes('"first"')));
  assert.ok(
    before.some((e) => e.retry !== undefined),
    'the server suggests a reconnection delay (retry)',
  );
  const lastId = before.filter((e) => e.id).at(-1)!.id!;
  await new Promise((resolve) => setTimeout(resolve, 600));

  const resumed = await resume(withSession, lastId);
  assert.equal(resumed.status, 200);
  const after = await readEvents(resumed, (events) => events.some((e) => e.data.includes('"result"')));
  const messages = after
    .filter((e) => e.data)
    .map(
      (e) =>
        JSON.parse(e.data) as {
          method?: string;
          params?: { message?: string };
          result?: { content: { text: string }[] };
        },
    );
  assert.deepEqual(
    messages.filter((m) => m.method === 'notifications/progress').map((m) => m.params?.message),
    ['second'],
  );
  assert.equal(messages.find((m) => m.result)?.result?.content[0]?.text, 'dripped');
});

test('an unknown Last-Event-ID replays nothing and does not break the session', async () => {
  const withSession = await openSession();
  const response = await resume(withSession, 'nope:1');
  assert.ok(response.status >= 400 && response.status < 500, `status ${response.status}`);
  await response.body?.cancel();
  const ping = await send(withSession, { jsonrpc: '2.0', id: 5, method: 'ping' });
  assert.equal(ping.status, 200);
  await ping.body?.cancel();
});

test("ctx.closeStream ends the call's stream; the client polls with Last-Event-ID and gets the rest", async () => {
  const withSession = await openSession();
  const call = await send(withSession, {
    jsonrpc: '2.0',
    id: 7,
    method: 'tools/call',
    params: { name: 'hangUp', arguments: {}, _meta: { progressToken: 'p7' } },
  });
  // The server ends this stream itself after the first progress event.
  const first = await readEvents(call, () => false);
  assert.ok(first.some((e) => e.data.includes('"before"')));
  assert.ok(!first.some((e) => e.data.includes('"result"')), 'the result did not come on the closed stream');
  await new Promise((resolve) => setTimeout(resolve, 400));
  const polled = await resume(withSession, first.filter((e) => e.id).at(-1)!.id!);
  const rest = await readEvents(polled, (events) => events.some((e) => e.data.includes('"result"')));
  assert.ok(rest.some((e) => e.data.includes('"after"')));
  assert.ok(rest.some((e) => e.data.includes('finished after the stream closed')));
});
