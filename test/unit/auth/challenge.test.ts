/**
 * Bearer challenges: the status, `WWW-Authenticate` header and JSON body for each error
 * (RFC 6750 section 3, RFC 9728 section 5.1).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Challenge, challengeBody, challengeHeader, challengeStatus } from '../../../src/auth/challenge.js';

const PRM = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp';

/** RFC 6750 section 3: `Bearer` then auth-params `name="quoted value"`, comma separated; no backslash or DQUOTE inside. */
const CHALLENGE_SYNTAX = /^Bearer [a-z_]+="[\x20\x21\x23-\x5B\x5D-\x7E]*"(, [a-z_]+="[\x20\x21\x23-\x5B\x5D-\x7E]*")*$/;

describe('challenges by kind', () => {
  const cases: {
    description: string;
    challenge: Challenge;
    status: number;
    header: string;
    body: Record<string, string>;
  }[] = [
    {
      description: 'no credentials (section 3.1): no error code, the scopes to ask for',
      challenge: { scopes: ['todo:read', 'todo:write'], resourceMetadata: PRM },
      status: 401,
      header: `Bearer scope="todo:read todo:write", resource_metadata="${PRM}"`,
      body: { error: 'unauthorized', error_description: 'A bearer token is required' },
    },
    {
      description: 'no credentials and no scopes: the metadata URL only',
      challenge: { scopes: [], resourceMetadata: PRM },
      status: 401,
      header: `Bearer resource_metadata="${PRM}"`,
      body: { error: 'unauthorized', error_description: 'A bearer token is required' },
    },
    {
      description: 'invalid_request: 400',
      challenge: { error: 'invalid_request', description: 'More than one Authorization header', resourceMetadata: PRM },
      status: 400,
      header: `Bearer error="invalid_request", error_description="More than one Authorization header", resource_metadata="${PRM}"`,
      body: { error: 'invalid_request', error_description: 'More than one Authorization header' },
    },
    {
      description: 'invalid_token: 401',
      challenge: { error: 'invalid_token', description: 'The access token expired', resourceMetadata: PRM },
      status: 401,
      header: `Bearer error="invalid_token", error_description="The access token expired", resource_metadata="${PRM}"`,
      body: { error: 'invalid_token', error_description: 'The access token expired' },
    },
    {
      description: 'insufficient_scope: 403 with the scope needed',
      challenge: {
        error: 'insufficient_scope',
        description: 'The write tool needs scope todo:write',
        scopes: ['todo:write'],
        resourceMetadata: PRM,
      },
      status: 403,
      header: `Bearer error="insufficient_scope", error_description="The write tool needs scope todo:write", scope="todo:write", resource_metadata="${PRM}"`,
      body: { error: 'insufficient_scope', error_description: 'The write tool needs scope todo:write' },
    },
    {
      description: 'an error without a description: none in the header or body',
      challenge: { error: 'invalid_token', resourceMetadata: PRM },
      status: 401,
      header: `Bearer error="invalid_token", resource_metadata="${PRM}"`,
      body: { error: 'invalid_token' },
    },
  ];
  for (const { description, challenge, status, header, body } of cases) {
    test(description, () => {
      assert.deepEqual(
        [challengeStatus(challenge), challengeHeader(challenge), challengeBody(challenge)],
        [status, header, body],
      );
      assert.match(challengeHeader(challenge), CHALLENGE_SYNTAX);
    });
  }
});

describe('quoting (RFC 6750 section 3: error_description is %x20-21 / %x23-5B / %x5D-7E)', () => {
  const cases: { description: string; text: string; quoted: string }[] = [
    {
      description: 'double quotes become single quotes',
      text: 'expected "Bearer <token>"',
      quoted: "expected 'Bearer <token>'",
    },
    { description: 'a backslash becomes a single quote', text: 'C:\\path', quoted: "C:'path" },
    { description: 'control characters and newlines are dropped', text: 'a\r\nb\tc\u0000d', quoted: 'abcd' },
    { description: 'non-ASCII is dropped', text: 'café ✓', quoted: 'caf ' },
  ];
  for (const { description, text, quoted } of cases) {
    test(description, () => {
      const challenge: Challenge = { error: 'invalid_token', description: text, resourceMetadata: PRM };
      const header = challengeHeader(challenge);
      assert.equal(header, `Bearer error="invalid_token", error_description="${quoted}", resource_metadata="${PRM}"`);
      assert.match(header, CHALLENGE_SYNTAX);
      // The JSON body carries the description as it was.
      assert.deepEqual(challengeBody(challenge), { error: 'invalid_token', error_description: text });
    });
  }

  test('scopes and the metadata URL are quoted the same way', () => {
    assert.equal(
      challengeHeader({ scopes: ['a"b'], resourceMetadata: 'https://x.example/"p"' }),
      `Bearer scope="a'b", resource_metadata="https://x.example/'p'"`,
    );
  });
});
