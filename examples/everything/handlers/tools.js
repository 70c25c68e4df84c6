// Tool handlers for the MCP conformance suite's server scenarios. Names, texts and
// schemas follow the suite's scenario descriptions and its reference everything-server;
// conformance/FIXTURES.md says which scenario calls which tool and what it checks.
//
// Handlers that log, report progress, sample or elicit use the handler context's
// ctx.log, ctx.progress, ctx.sample and ctx.elicit. On the 2025-11-25 revision these
// are notifications and server-to-client requests on the call's stream; on 2026-07-28
// ctx.sample and ctx.elicit become an InputRequiredResult and the call is retried by
// the client with the answers.
import { PNG_1X1_RED, WAV_MINIMAL, sampledText, sleep } from './fixtures.js';

/** @typedef {import('mcp-serve').ToolContext} ToolContext */

// ----- content types (tools-call-*) -----

export const simpleText = () => 'This is a simple text response for testing.';

export const imageContent = () => ({
  content: [{ type: 'image', data: PNG_1X1_RED, mimeType: 'image/png' }],
});

export const audioContent = () => ({
  content: [{ type: 'audio', data: WAV_MINIMAL, mimeType: 'audio/wav' }],
});

export const embeddedResource = () => ({
  content: [{
    type: 'resource',
    resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' },
  }],
});

export const multipleContentTypes = () => ({
  content: [
    { type: 'text', text: 'Multiple content types test:' },
    { type: 'image', data: PNG_1X1_RED, mimeType: 'image/png' },
    {
      type: 'resource',
      resource: { uri: 'test://mixed-content-resource', mimeType: 'application/json', text: JSON.stringify({ test: 'data', value: 123 }) },
    },
  ],
});

export function errorHandling() {
  throw new Error('This tool intentionally returns an error for testing');
}

// ----- logging and progress -----

/** Three info-level log messages about 50 ms apart (tools-call-with-logging). @param {unknown} _input @param {ToolContext} ctx */
export async function withLogging(_input, ctx) {
  await ctx.log('info', 'Tool execution started');
  await sleep(50, ctx.signal);
  await ctx.log('info', 'Tool processing data');
  await sleep(50, ctx.signal);
  await ctx.log('info', 'Tool execution completed');
  return 'Tool with logging executed successfully';
}

/** Progress 0, 50 and 100 of 100, about 50 ms apart (tools-call-with-progress). @param {unknown} _input @param {ToolContext} ctx */
export async function withProgress(_input, ctx) {
  for (const step of [0, 50, 100]) {
    await ctx.progress(step, 100, `Completed step ${step} of 100`);
    if (step < 100) await sleep(50, ctx.signal);
  }
  return 'Progress reported: 0, 50 and 100 of 100';
}

// ----- sampling and elicitation (2025-11-25: server-to-client requests) -----

/** @param {{ prompt: string }} input @param {ToolContext} ctx */
export async function sampling({ prompt }, ctx) {
  const result = await ctx.sample({
    messages: [{ role: 'user', content: { type: 'text', text: prompt } }],
    maxTokens: 100,
  });
  return `LLM response: ${sampledText(result)}`;
}

/** The text the conformance suite expects back from an elicitation: what the user did and entered. */
function describeAnswer(label, { action, content }) {
  return `${label}: action=${action}, content=${JSON.stringify(content ?? {})}`;
}

/** @param {{ message: string }} input @param {ToolContext} ctx */
export async function elicitation({ message }, ctx) {
  const result = await ctx.elicit({
    message,
    requestedSchema: {
      type: 'object',
      properties: {
        username: { type: 'string', description: "User's response" },
        email: { type: 'string', description: "User's email address" },
      },
      required: ['username', 'email'],
    },
  });
  return describeAnswer('User response', result);
}

/** SEP-1034: a default for every primitive type. @param {unknown} _input @param {ToolContext} ctx */
export async function elicitationDefaults(_input, ctx) {
  const result = await ctx.elicit({
    message: 'Please review and update the form fields with defaults',
    requestedSchema: {
      type: 'object',
      properties: {
        name: { type: 'string', description: 'User name', default: 'John Doe' },
        age: { type: 'integer', description: 'User age', default: 30 },
        score: { type: 'number', description: 'User score', default: 95.5 },
        status: { type: 'string', description: 'User status', enum: ['active', 'inactive', 'pending'], default: 'active' },
        verified: { type: 'boolean', description: 'Verification status', default: true },
      },
      required: [],
    },
  });
  return describeAnswer('Elicitation completed', result);
}

/** SEP-1330: the five enum forms. @param {unknown} _input @param {ToolContext} ctx */
export async function elicitationEnums(_input, ctx) {
  const result = await ctx.elicit({
    message: 'Please select options from the enum fields',
    requestedSchema: {
      type: 'object',
      properties: {
        untitledSingle: { type: 'string', description: 'Select one option', enum: ['option1', 'option2', 'option3'] },
        titledSingle: {
          type: 'string',
          description: 'Select one option with titles',
          oneOf: [
            { const: 'value1', title: 'First Option' },
            { const: 'value2', title: 'Second Option' },
            { const: 'value3', title: 'Third Option' },
          ],
        },
        legacyEnum: {
          type: 'string',
          description: 'Select one option (legacy)',
          enum: ['opt1', 'opt2', 'opt3'],
          enumNames: ['Option One', 'Option Two', 'Option Three'],
        },
        untitledMulti: {
          type: 'array',
          description: 'Select multiple options',
          minItems: 1,
          maxItems: 3,
          items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
        },
        titledMulti: {
          type: 'array',
          description: 'Select multiple options with titles',
          minItems: 1,
          maxItems: 3,
          items: {
            anyOf: [
              { const: 'value1', title: 'First Choice' },
              { const: 'value2', title: 'Second Choice' },
              { const: 'value3', title: 'Third Choice' },
            ],
          },
        },
      },
      required: [],
    },
  });
  return describeAnswer('Elicitation completed', result);
}

// ----- schema and transport -----

/** The arguments, echoed (json-schema-2020-12 only lists the tool). @param {Record<string, unknown>} input */
export const jsonSchema202012 = (input) => `JSON Schema 2020-12 tool called with: ${JSON.stringify(input)}`;

/** The region, echoed; the transport checks it against the Mcp-Param-Region header (http-custom-header-server-validation). @param {{ region: string }} input */
export const headerParam = ({ region }) => `Region: ${region}`;

/**
 * server-sse-polling (SEP-1699): the call's SSE stream is closed before the result,
 * which the client receives after reconnecting with Last-Event-ID.
 * @param {unknown} _input @param {ToolContext} ctx
 */
export async function reconnection(_input, ctx) {
  await ctx.closeStream();
  await sleep(100, ctx.signal);
  return 'Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure.';
}

// ----- 2026-07-28 diagnostics (server-stateless) -----

/**
 * Needs the client's sampling capability. A client that did not declare it must get
 * JSON-RPC error -32021 (MissingRequiredClientCapabilityError, HTTP 400) with
 * error.data.requiredCapabilities = { sampling: {} }, not a tool error.
 * @param {unknown} _input @param {ToolContext} ctx
 */
export async function missingCapability(_input, ctx) {
  const result = await ctx.sample({
    messages: [{ role: 'user', content: { type: 'text', text: 'Say hello' } }],
    maxTokens: 20,
  });
  return `Sampled: ${sampledText(result)}`;
}

/**
 * Reports progress, then needs input. On 2026-07-28 the call's response stream must
 * carry only notifications and the InputRequiredResult, never an elicitation/create
 * request of its own.
 * @param {unknown} _input @param {ToolContext} ctx
 */
export async function streamingElicitation(_input, ctx) {
  await ctx.progress(50, 100, 'Halfway');
  const result = await ctx.elicit({
    message: 'Continue?',
    requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
  });
  return `Streaming complete: action=${result.action}`;
}

/**
 * Logs once. On 2026-07-28 a request whose _meta has no
 * io.modelcontextprotocol/logLevel must receive no notifications/message.
 * @param {unknown} _input @param {ToolContext} ctx
 */
export async function loggingTool(_input, ctx) {
  await ctx.log('info', 'Diagnostic trace logging activated');
  return 'Logging evaluated';
}

// ----- 2026-07-28 input-required results (SEP-2322) -----

const askName = {
  message: 'What is your name?',
  requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
};
const askConfirm = {
  message: 'Please confirm',
  requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
};

/** One elicitation, then "Hello, <name>!". The suite expects the input request under the key "user_name". @param {unknown} _input @param {ToolContext} ctx */
export async function inputRequiredElicitation(_input, ctx) {
  const result = await ctx.elicit({ ...askName, key: 'user_name' });
  return `Hello, ${result.content?.name ?? 'stranger'}!`;
}

/** One sampling request, then its text. @param {unknown} _input @param {ToolContext} ctx */
export async function inputRequiredSampling(_input, ctx) {
  const result = await ctx.sample({
    messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }],
    maxTokens: 100,
  });
  return `Sampling result: ${sampledText(result)}`;
}

/** An elicitation whose answer arrives with the echoed requestState; "state-ok" confirms it. @param {unknown} _input @param {ToolContext} ctx */
export async function inputRequiredRequestState(_input, ctx) {
  const result = await ctx.elicit(askConfirm);
  return `state-ok: confirmed=${JSON.stringify(result.content?.ok ?? null)}`;
}

/** The client's roots, listed. @param {unknown} _input @param {ToolContext} ctx */
export async function inputRequiredListRoots(_input, ctx) {
  const { roots } = await ctx.listRoots();
  return `Roots: ${roots.map((root) => root.uri).join(', ') || '(none)'}`;
}

/**
 * Several input requests at once: asked concurrently, they travel in one
 * InputRequiredResult.
 * @param {unknown} _input @param {ToolContext} ctx
 */
export async function inputRequiredMultipleInputs(_input, ctx) {
  const [named, greeting, { roots }] = await Promise.all([
    ctx.elicit(askName),
    ctx.sample({ messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }], maxTokens: 50 }),
    ctx.listRoots(),
  ]);
  return `Multiple inputs received: name=${named.content?.name ?? 'unknown'}, greeting=${sampledText(greeting)}, roots=${roots.length}`;
}

/** Two rounds: a name, then a colour, each a new InputRequiredResult with a new requestState. @param {unknown} _input @param {ToolContext} ctx */
export async function inputRequiredMultiRound(_input, ctx) {
  const first = await ctx.elicit({
    message: 'Step 1: What is your name?',
    requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
  });
  const second = await ctx.elicit({
    message: 'Step 2: What is your favorite color?',
    requestedSchema: { type: 'object', properties: { color: { type: 'string' } }, required: ['color'] },
  });
  return `Multi-round complete for ${first.content?.name ?? 'friend'} who likes ${second.content?.color ?? 'unknown'}`;
}

/** A tampered requestState must be refused with a JSON-RPC error before this handler sees an answer. @param {unknown} _input @param {ToolContext} ctx */
export async function inputRequiredTamperedState(_input, ctx) {
  await ctx.elicit(askConfirm);
  return 'integrity-ok: state verified';
}

/**
 * Asks only for what the client declared it can answer (ctx.clientCapabilities).
 * @param {unknown} _input @param {ToolContext} ctx
 */
export async function inputRequiredCapabilities(_input, ctx) {
  const can = ctx.clientCapabilities ?? {};
  const asks = [];
  if (can.elicitation) {
    asks.push(ctx.elicit({
      message: 'Elicitation input',
      requestedSchema: { type: 'object', properties: { value: { type: 'string' } }, required: ['value'] },
    }).then(() => 'elicitation'));
  }
  if (can.sampling) asks.push(ctx.sample({ messages: [{ role: 'user', content: { type: 'text', text: 'Sample request' } }], maxTokens: 50 }).then(() => 'sampling'));
  const received = await Promise.all(asks);
  return received.length > 0 ? `capabilities-ok: received ${received.join(',')}` : 'No supported capabilities declared';
}
