/**
 * The real server, the real SDK clients of both protocol eras, real JWTs from a real
 * JWKS endpoint.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CLIENTS, post, recordedCalls, toolCall } from './support/clients.js';
import { sharedProtectedServer } from './support/protected-server.js';
import { FIXTURE_TOOLS } from './support/server.js';

const fixture = sharedProtectedServer();

const token = (claims: Record<string, unknown>) => fixture.authority.mint({ aud: fixture.server.url, ...claims });

for (const { era, connect } of CLIENTS) {
  describe(`SDK client speaking ${era}`, () => {
    test('lists exactly the tools the manifest declares', async () => {
      const client = await connect(fixture.server.url, await token({ scope: 'todo:read' }));
      const { tools } = await client.listTools();
      assert.deepEqual(
        tools.map((t) => t.name),
        FIXTURE_TOOLS.map((t) => t.name),
      );
      const echo = tools.find((t) => t.name === 'echo')!;
      assert.deepEqual(echo.inputSchema, FIXTURE_TOOLS[0]!.inputSchema);
      assert.deepEqual(tools.find((t) => t.name === 'write')!.outputSchema, FIXTURE_TOOLS[1]!.outputSchema);
      await client.close();
    });

    test('calls a tool with a valid token; a string result is text content', async () => {
      const client = await connect(fixture.server.url, await token({ scope: 'todo:read' }));
      const result = await client.callTool('echo', { text: `hello ${era}` });
      assert.deepEqual(result.content, [{ type: 'text', text: `echo: hello ${era}` }]);
      assert.equal(result.isError, undefined);
      await client.close();
    });

    test('an object result is structuredContent plus JSON text, checked against outputSchema', async () => {
      const client = await connect(fixture.server.url, await token({ scope: 'todo:write', sub: `bob-${era}` }));
      const result = await client.callTool('write', { title: 'milk' });
      assert.deepEqual(result.structuredContent, { title: 'milk', subject: `bob-${era}` });
      assert.deepEqual(result.content, [
        { type: 'text', text: JSON.stringify({ title: 'milk', subject: `bob-${era}` }) },
      ]);
      await client.close();
    });

    test('missing scope: the client is refused with 403 insufficient_scope, and the handler never runs', async () => {
      const client = await connect(fixture.server.url, await token({ scope: 'todo:read' }));
      const before = recordedCalls().filter((c) => c.tool === 'write').length;
      await assert.rejects(client.callTool('write', { title: 'x' }), /insufficient_scope|Insufficient scope/i);
      assert.equal(recordedCalls().filter((c) => c.tool === 'write').length, before);
      await client.close();
      // Step up: a token with the scope the challenge named succeeds.
      const stepped = await connect(fixture.server.url, await token({ scope: 'todo:read todo:write' }));
      assert.equal((await stepped.callTool('write', { title: 'x' })).isError, undefined);
      await stepped.close();
    });

    test('invalid arguments come back as a tool error naming the path, and never reach the handler', async () => {
      const client = await connect(fixture.server.url, await token({ scope: 'todo:read' }));
      const before = recordedCalls().length;
      const result = await client.callTool('echo', { text: '' });
      assert.equal(result.isError, true);
      assert.match(JSON.stringify(result.content), /\/text must NOT have fewer than 1 characters/);
      const missing = await client.callTool('echo', {});
      assert.match(JSON.stringify(missing.content), /arguments must have property \\"text\\"/);
      const extra = await client.callTool('echo', { text: 'a', admin: true });
      assert.match(JSON.stringify(extra.content), /arguments has unknown property \\"admin\\"/);
      assert.equal(recordedCalls().length, before, 'the handler was called with invalid input');
      await client.close();
    });

    test('each call reaches the tool it names; an unknown name is a JSON-RPC error (-32602)', async () => {
      // A server built for one call holds only the named tool; every tool must still be its own.
      const client = await connect(fixture.server.url, await token({ scope: 'todo:read todo:write', sub: 'carol' }));
      assert.deepEqual((await client.callTool('echo', { text: 'one' })).content, [{ type: 'text', text: 'echo: one' }]);
      assert.deepEqual((await client.callTool('write', { title: 'two' })).structuredContent, {
        title: 'two',
        subject: 'carol',
      });
      assert.deepEqual(
        recordedCalls()
          .slice(-2)
          .map((c) => c.tool),
        ['echo', 'write'],
      );
      await assert.rejects(client.callTool('nope', {}), /Tool nope not found/);
      await client.close();
    });
  });
}

describe('scopes', () => {
  const status = async (tool: string, claims: Record<string, unknown>) =>
    (await post(fixture.server.url, toolCall(tool), { headers: { Authorization: `Bearer ${await token(claims)}` } }))
      .status;

  const table: [string, string, Record<string, unknown>, number][] = [
    ['`scope` claim, space-delimited', 'write', { scope: 'todo:read todo:write' }, 200],
    ['`scp` claim as an array (Entra)', 'write', { scp: ['todo:write'] }, 200],
    ['`scp` claim as a string', 'write', { scp: 'todo:write' }, 200],
    ['`scopes` claim as an array (Scalekit)', 'write', { scopes: ['todo:write'] }, 200],
    ['scopes split across claims are united', 'write', { scope: 'todo:read', scopes: ['todo:write'] }, 200],
    ['a scope that only prefixes the needed one does not count', 'write', { scope: 'todo:writer todo' }, 403],
    ['`permissions` is not read unless configured', 'write', { permissions: ['todo:write'] }, 403],
    ['any-of: the first alternative', 'remove', { scope: 'todo:write' }, 200],
    ['any-of: the second alternative', 'remove', { scope: 'todo:admin' }, 200],
    ['any-of: neither', 'remove', { scope: 'todo:read' }, 403],
    ['a tool without scopes needs only a valid token', 'whoami', {}, 200],
  ];
  for (const [description, tool, claims, expected] of table) {
    test(description, async () => assert.equal(await status(tool, claims), expected));
  }

  test('any-of challenge names the preferred scope only (SEP-2350)', async () => {
    const response = await post(fixture.server.url, toolCall('remove'), {
      headers: { Authorization: `Bearer ${await token({ scope: 'todo:read' })}` },
    });
    assert.equal(response.status, 403);
    assert.equal(
      response.headers.get('www-authenticate'),
      `Bearer error="insufficient_scope", error_description="The remove tool needs scope todo:write", scope="todo:write", resource_metadata="${fixture.server.runtime.snapshot.resourceMetadataUrl}"`,
    );
    assert.deepEqual(await response.json(), {
      error: 'insufficient_scope',
      error_description: 'The remove tool needs scope todo:write',
    });
  });
});

describe('handler context and results', () => {
  const call = async (tool: string, args: Record<string, unknown> = {}, claims: Record<string, unknown> = {}) => {
    const [{ connect }] = CLIENTS;
    const client = await connect(fixture.server.url, await token(claims));
    try {
      return await client.callTool(tool, args);
    } finally {
      await client.close();
    }
  };

  test('ctx.auth carries issuer, subject, client, principal, scopes, claims and expiry, never the token', async () => {
    const result = await call('whoami', {}, { sub: 'carol', scope: 'todo:read', client_id: 'cli-1' });
    const auth = result.structuredContent as Record<string, unknown>;
    assert.equal(auth['subject'], 'carol');
    assert.equal(auth['clientId'], 'cli-1');
    assert.deepEqual(auth['scopes'], ['todo:read']);
    assert.equal(typeof auth['expiresAt'], 'number');
    assert.deepEqual(auth['claimNames'], ['aud', 'client_id', 'exp', 'iat', 'iss', 'scope', 'sub']);
    const last = recordedCalls().at(-1)!;
    assert.deepEqual(last.ctxKeys.sort(), [
      'auth',
      'clientCapabilities',
      'closeStream',
      'elicit',
      'listRoots',
      'log',
      'notifyResourceUpdated',
      'progress',
      'sample',
      'signal',
      'toolName',
    ]);
    assert.deepEqual(last.authKeys.sort(), [
      'claims',
      'clientId',
      'expiresAt',
      'issuer',
      'principal',
      'scopes',
      'subject',
    ]);
    assert.ok(!JSON.stringify(result).includes('eyJ'), 'a token reached the handler');
  });

  test('a throw is a tool error with its message; the stack goes to the server log only', async () => {
    const result = await call('fail');
    assert.equal(result.isError, true);
    assert.deepEqual(result.content, [{ type: 'text', text: 'the fixture failed on purpose' }]);
    assert.ok(
      fixture.server.logs.some(
        (line) => line.includes('tool fail failed: Error: the fixture failed on purpose') && line.includes('record.js'),
      ),
    );
  });

  test('timeoutMs aborts a handler that never finishes', async () => {
    const started = Date.now();
    const result = await call('slow');
    assert.equal(result.isError, true);
    assert.deepEqual(result.content, [{ type: 'text', text: 'slow timed out after 200 ms' }]);
    assert.ok(Date.now() - started < 5_000);
    // The handler's own signal said so, with a TimeoutError as its reason.
    assert.deepEqual(recordedCalls().at(-1), { tool: 'slow: aborted', input: 'TimeoutError' });
  });

  test('a full CallToolResult passes through as is', async () => {
    const result = await call('result');
    assert.deepEqual(result.content, [{ type: 'text', text: 'raw result' }]);
    assert.equal(result.isError, false);
  });
});
