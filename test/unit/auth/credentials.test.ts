/**
 * readCredentials: the bearer token of a request from its raw headers and query string
 * (RFC 6750 section 2.1), and the forms refused (section 2.3, and duplicated headers).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Credentials, readCredentials } from '../../../src/auth/credentials.js';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
const MALFORMED: Credentials = {
  kind: 'invalid',
  description: 'Malformed Authorization header; expected "Bearer <token>"',
};
const IN_QUERY: Credentials = {
  kind: 'invalid',
  description: 'Tokens in the query string are not accepted; send an Authorization: Bearer header',
};

describe('readCredentials', () => {
  const cases: { description: string; headers: string[]; query?: string; expected: Credentials }[] = [
    { description: 'no Authorization header', headers: ['Host', 'x'], expected: { kind: 'none' } },
    { description: 'an empty Authorization header', headers: ['Authorization', '  '], expected: { kind: 'none' } },
    {
      description: 'a bearer token',
      headers: ['Host', 'x', 'Authorization', `Bearer ${TOKEN}`],
      expected: { kind: 'bearer', token: TOKEN },
    },
    {
      description: 'the header name and scheme in any case (RFC 9110 section 11.1)',
      headers: ['AUTHORIZATION', `bEaReR ${TOKEN}`],
      expected: { kind: 'bearer', token: TOKEN },
    },
    {
      description: 'surrounding and repeated spaces are trimmed',
      headers: ['authorization', `  Bearer   ${TOKEN}  `],
      expected: { kind: 'bearer', token: TOKEN },
    },
    {
      description: 'b64token: every allowed character, trailing = padding',
      headers: ['authorization', 'Bearer Az09-._~+/=='],
      expected: { kind: 'bearer', token: 'Az09-._~+/==' },
    },
    {
      description: 'another scheme carries no bearer credentials',
      headers: ['authorization', 'Basic dXNlcjpwYXNz'],
      expected: { kind: 'none' },
    },
    { description: 'DPoP is another scheme', headers: ['authorization', `DPoP ${TOKEN}`], expected: { kind: 'none' } },
    { description: '"Bearer" without a token', headers: ['authorization', 'Bearer'], expected: MALFORMED },
    { description: 'two tokens', headers: ['authorization', `Bearer ${TOKEN} ${TOKEN}`], expected: MALFORMED },
    { description: '= inside the token', headers: ['authorization', 'Bearer ab=cd'], expected: MALFORMED },
    { description: 'a character outside b64token', headers: ['authorization', 'Bearer ab,cd'], expected: MALFORMED },
    {
      description: 'two Authorization headers, even equal ones',
      headers: ['Authorization', `Bearer ${TOKEN}`, 'authorization', `Bearer ${TOKEN}`],
      expected: { kind: 'invalid', description: 'More than one Authorization header' },
    },
    {
      description: 'two Authorization headers, one empty',
      headers: ['Authorization', `Bearer ${TOKEN}`, 'Authorization', ''],
      expected: { kind: 'invalid', description: 'More than one Authorization header' },
    },
    {
      description: 'a token in the query string (RFC 6750 section 2.3), even beside a header',
      headers: ['Authorization', `Bearer ${TOKEN}`],
      query: `access_token=${TOKEN}`,
      expected: IN_QUERY,
    },
    { description: 'an empty access_token parameter', headers: [], query: 'access_token=', expected: IN_QUERY },
    {
      description: 'other query parameters are not credentials',
      headers: [],
      query: 'token=abc&x=1',
      expected: { kind: 'none' },
    },
  ];
  for (const { description, headers, query = '', expected } of cases) {
    test(description, () => assert.deepEqual(readCredentials(headers, new URLSearchParams(query)), expected));
  }
});
