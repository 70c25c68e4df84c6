/**
 * 2025-11-25 sessions: opened by initialize, bound to the principal (issuer, subject,
 * client) whose token opened them, closed by DELETE; requests without a session id,
 * and tokens naming no one, stay stateless.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { post, recordedCalls, toolCall } from './support/clients.js';
import { sharedProtectedServer } from './support/protected-server.js';
import { protectedManifest, withServer } from './support/server.js';

const fixture = sharedProtectedServer();

/** A token with these claims (`undefined` leaves the authority's default sub or client_id out). */
const bearerWith = async (claims: Record<string, unknown>) => ({
  Authorization: `Bearer ${await fixture.authority.mint({ aud: fixture.server.url, scope: 'todo:read todo:write', ...claims })}`,
});
const bearer = (sub: string) => bearerWith({ sub });
const PROTOCOL = { 'Mcp-Protocol-Version': '2025-11-25' };

async function openSession(sub: string | Record<string, unknown>): Promise<{ client: LegacyClient; id: string }> {
  const client = new LegacyClient({ name: 'sessions', version: '1.0.0' });
  const transport = new LegacyTransport(new URL(fixture.server.url), {
    requestInit: { headers: await bearerWith(typeof sub === 'string' ? { sub } : sub) },
  });
  await client.connect(transport);
  assert.match(
    transport.sessionId ?? '',
    /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    'a random (v4) UUID',
  );
  return { client, id: transport.sessionId! };
}

test('initialize opens a session; its owner calls tools on it', async () => {
  const { client } = await openSession('alice');
  const result = (await client.callTool({ name: 'whoami', arguments: {} })) as unknown as {
    structuredContent: { subject: string };
  };
  assert.equal(result.structuredContent.subject, 'alice');
  await client.close();
});

test("another subject's token on a session gets 404, and nothing runs", async () => {
  const { client, id } = await openSession('alice');
  const before = recordedCalls().length;
  const stolen = await post(fixture.server.url, toolCall('echo', { text: 'x' }), {
    headers: { ...(await bearer('mallory')), 'Mcp-Session-Id': id, ...PROTOCOL },
  });
  assert.equal(stolen.status, 404);
  assert.deepEqual(await stolen.json(), {
    jsonrpc: '2.0',
    id: null,
    error: { code: -32001, message: 'Session not found' },
  });
  assert.equal(recordedCalls().length, before);
  // The owner is unaffected.
  const own = await post(fixture.server.url, toolCall('echo', { text: 'mine' }), {
    headers: { ...(await bearer('alice')), 'Mcp-Session-Id': id, ...PROTOCOL },
  });
  assert.equal(own.status, 200);
  await client.close();
});

test("client-credentials tokens (no sub): another client's token on the session gets 404, and nothing runs", async () => {
  const { client, id } = await openSession({ sub: undefined, client_id: 'billing-service' });
  const before = recordedCalls().length;
  const other = await post(fixture.server.url, toolCall('echo', { text: 'x' }), {
    headers: {
      ...(await bearerWith({ sub: undefined, client_id: 'reporting-service' })),
      'Mcp-Session-Id': id,
      ...PROTOCOL,
    },
  });
  assert.equal(other.status, 404);
  assert.equal(recordedCalls().length, before);
  const own = await post(fixture.server.url, toolCall('echo', { text: 'mine' }), {
    headers: {
      ...(await bearerWith({ sub: undefined, client_id: 'billing-service' })),
      'Mcp-Session-Id': id,
      ...PROTOCOL,
    },
  });
  assert.equal(own.status, 200);
  await client.close();
});

test('the same subject through another client is another principal: 404', async () => {
  const { client, id } = await openSession({ sub: 'alice', client_id: 'desktop-app' });
  const viaOther = await post(fixture.server.url, toolCall('echo', { text: 'x' }), {
    headers: {
      ...(await bearerWith({ sub: 'alice', client_id: 'browser-extension' })),
      'Mcp-Session-Id': id,
      ...PROTOCOL,
    },
  });
  assert.equal(viaOther.status, 404);
  await client.close();
});

test('a token naming neither a subject nor a client gets no session: initialize is served statelessly, and no session serves it', async () => {
  const nobody = await bearerWith({ sub: undefined, client_id: undefined });
  const init = await post(
    fixture.server.url,
    {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    },
    { headers: nobody },
  );
  assert.equal(init.status, 200);
  assert.equal(init.headers.get('mcp-session-id'), null);
  // Its client works on, statelessly.
  const client = new LegacyClient({ name: 'nobody', version: '1.0.0' });
  await client.connect(new LegacyTransport(new URL(fixture.server.url), { requestInit: { headers: nobody } }));
  const who = (await client.callTool({ name: 'whoami', arguments: {} })) as unknown as {
    structuredContent: Record<string, unknown>;
  };
  assert.deepEqual(
    [who.structuredContent['subject'], who.structuredContent['clientId'], who.structuredContent['principal']],
    [undefined, undefined, undefined],
  );
  await client.close();
  // Nor can it use a session someone else opened.
  const { client: owner, id } = await openSession('alice');
  const intruder = await post(fixture.server.url, toolCall('echo', { text: 'x' }), {
    headers: { ...nobody, 'Mcp-Session-Id': id, ...PROTOCOL },
  });
  assert.equal(intruder.status, 404);
  await owner.close();
});

test('a made-up session id gets 404; no token at all gets 401 before any session lookup', async () => {
  const forged = await post(fixture.server.url, toolCall('echo', { text: 'x' }), {
    headers: { ...(await bearer('alice')), 'Mcp-Session-Id': 'a1b2c3d4-0000-4000-8000-000000000000', ...PROTOCOL },
  });
  assert.equal(forged.status, 404);
  const anonymous = await post(fixture.server.url, toolCall('echo', { text: 'x' }), {
    headers: { 'Mcp-Session-Id': 'a1b2c3d4-0000-4000-8000-000000000000', ...PROTOCOL },
  });
  assert.equal(anonymous.status, 401);
});

test('DELETE ends a session; later requests on it get 404', async () => {
  const { id } = await openSession('carol');
  const deleted = await fetch(fixture.server.url, {
    method: 'DELETE',
    headers: { ...(await bearer('carol')), 'Mcp-Session-Id': id, ...PROTOCOL },
  });
  assert.equal(deleted.status, 200);
  const after = await post(fixture.server.url, toolCall('echo', { text: 'x' }), {
    headers: { ...(await bearer('carol')), 'Mcp-Session-Id': id, ...PROTOCOL },
  });
  assert.equal(after.status, 404);
});

test('a request without a session id is served statelessly', async () => {
  const response = await post(fixture.server.url, toolCall('echo', { text: 'stateless' }), {
    headers: await bearer('dave'),
  });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('mcp-session-id'), null);
});

test('http.sessions: false serves 2025-11-25 statelessly: initialize opens no session', async () => {
  await withServer(
    { ...protectedManifest(fixture.authority.issuer), http: { host: '127.0.0.1', port: 0, sessions: false } },
    async (stateless) => {
      const init = await post(
        stateless.url,
        {
          jsonrpc: '2.0',
          id: 0,
          method: 'initialize',
          params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
        },
        {
          headers: {
            Authorization: `Bearer ${await fixture.authority.mint({ aud: stateless.url, sub: 'erin', scope: 'todo:read' })}`,
          },
        },
      );
      assert.equal(init.status, 200);
      assert.equal(init.headers.get('mcp-session-id'), null);
      const client = new LegacyClient({ name: 'stateless', version: '1.0.0' });
      await client.connect(
        new LegacyTransport(new URL(stateless.url), {
          requestInit: {
            headers: {
              Authorization: `Bearer ${await fixture.authority.mint({ aud: stateless.url, sub: 'erin', scope: 'todo:read' })}`,
            },
          },
        }),
      );
      assert.equal(
        ((await client.callTool({ name: 'echo', arguments: { text: 'hi' } })) as { content: { text: string }[] })
          .content[0]?.text,
        'echo: hi',
      );
      await client.close();
    },
  );
});
