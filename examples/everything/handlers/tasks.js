// Tools for the conformance suite's tasks-* scenarios (the tasks extension, SEP-2663):
// greet never runs as a task; the others declare execution.taskSupport in the manifest.
// A task's handler is an ordinary handler: ctx.signal aborts on tasks/cancel and when
// the task's ttl ends, and ctx.elicit becomes the task's input request.
import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import { sleep } from './fixtures.js';

/** @typedef {import('mcp-serve').ToolContext} ToolContext */

export const greet = ({ name }) => `Hello, ${name}!`;

/** @param {{ seconds: number, label?: string }} input @param {ToolContext} ctx */
export async function slowCompute({ seconds, label = 'job' }, ctx) {
  await sleep(seconds * 1000, ctx.signal);
  return `Computed ${label} after ${seconds} s`;
}

/** A tool error: the task ends completed, with result.isError. */
export async function failingJob(_input, ctx) {
  await sleep(1000, ctx.signal);
  return { content: [{ type: 'text', text: 'The job failed: no such input' }], isError: true };
}

/** A JSON-RPC error: the task ends failed, with the error inlined. */
export async function protocolErrorJob(_input, ctx) {
  await sleep(200, ctx.signal);
  throw new ProtocolError(ProtocolErrorCode.InternalError, 'The job hit an internal error');
}

/** Parks the task in input_required until the client confirms through tasks/update. */
export async function confirmDelete({ filename }, ctx) {
  const answer = await ctx.elicit({
    key: 'confirm',
    message: `Delete ${filename}?`,
    requestedSchema: { type: 'object', properties: { confirm: { type: 'boolean' } }, required: ['confirm'] },
  });
  return answer.action === 'accept' && answer.content?.confirm ? `Deleted ${filename}` : `Kept ${filename}`;
}

/** Two questions at once: both are pending until each is answered. */
export async function multiInput(_input, ctx) {
  const schema = {
    type: 'object',
    properties: { name: { type: 'string' }, confirm: { type: 'boolean' } },
  };
  const [first, second] = await Promise.all([
    ctx.elicit({ key: 'first', message: 'First answer?', requestedSchema: schema }),
    ctx.elicit({ key: 'second', message: 'Second answer?', requestedSchema: schema }),
  ]);
  return `Got ${first.content?.name} and ${second.content?.name}`;
}

/** Asks in the call itself (an input-required round), then runs as a task with the answer. */
export async function toolWithTask(_input, ctx) {
  const answer = await ctx.elicit({
    key: 'user_name',
    message: 'What is your name?',
    requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
    beforeTask: true,
  });
  await sleep(300, ctx.signal);
  return `Hello, ${answer.content?.name}!`;
}
