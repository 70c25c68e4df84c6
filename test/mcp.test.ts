/** How a handler's return value becomes a CallToolResult. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toCallToolResult } from '../src/mcp/tools.js';

test('a string is text, plain data is structuredContent plus JSON text, a CallToolResult passes', () => {
  assert.deepEqual(toCallToolResult('hi'), { content: [{ type: 'text', text: 'hi' }] });
  assert.deepEqual(toCallToolResult({ a: 1 }), {
    content: [{ type: 'text', text: '{"a":1}' }],
    structuredContent: { a: 1 },
  });
  assert.deepEqual(toCallToolResult([1, 2]), { content: [{ type: 'text', text: '[1,2]' }] });
  assert.deepEqual(toCallToolResult(undefined), { content: [] });
  const full = { content: [{ type: 'text' as const, text: 'x' }], isError: true };
  assert.equal(toCallToolResult(full), full);
});

test('a function is refused rather than sent as its source code', () => {
  const secret = () => 'API_KEY=hunter2';
  assert.throws(
    () => toCallToolResult(secret),
    /the handler returned a function; return a string, plain data or a CallToolResult/,
  );
  assert.throws(() => toCallToolResult(Symbol('s')), /returned a symbol/);
});
