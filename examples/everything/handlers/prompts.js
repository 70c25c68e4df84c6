// Prompt handlers for the MCP conformance suite's prompt scenarios
// (conformance/FIXTURES.md). Prompts with only text are declared inline in the manifest.
import { PNG_1X1_RED } from './fixtures.js';

/** test_prompt_with_embedded_resource: the resource named by the argument, then an instruction. @param {{ resourceUri: string }} args */
export const withEmbeddedResource = ({ resourceUri }) => [
  { role: 'user', content: { type: 'resource', resource: { uri: resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' } } },
  { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
];

/** test_prompt_with_image: an image, then an instruction. */
export const withImage = () => [
  { role: 'user', content: { type: 'image', data: PNG_1X1_RED, mimeType: 'image/png' } },
  { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
];

/**
 * test_input_required_result_prompt (2026-07-28, SEP-2322): prompts/get first answers
 * with an InputRequiredResult asking for the context, then with the prompt.
 * @param {Record<string, string>} _args @param {import('mcp-serve').ToolContext} ctx
 */
export async function inputRequired(_args, ctx) {
  const answer = await ctx.elicit({
    message: 'What context should the prompt use?',
    requestedSchema: { type: 'object', properties: { context: { type: 'string' } }, required: ['context'] },
  });
  return [{ role: 'user', content: { type: 'text', text: `Use this context: ${answer.content?.context ?? 'none'}` } }];
}
