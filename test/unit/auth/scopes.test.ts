/**
 * Scopes: what a token grants, by claim and form (RFC 9068 section 2.2.3, RFC 8693
 * section 4.2), and what a 403 names when a call lacks some (SEP-2350).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { scopeChallenge, scopesFromClaims } from '../../../src/auth/scopes.js';
import type { ScopePolicy } from '../../../src/manifest.js';

const DEFAULT_CLAIMS = ['scope', 'scp', 'scopes'];

describe('scopesFromClaims', () => {
  const cases: {
    description: string;
    claims: Record<string, unknown>;
    scopeClaims?: string[];
    expected: ReturnType<typeof scopesFromClaims>;
  }[] = [
    { description: 'no scope claim: no scopes', claims: { sub: 'a' }, expected: { ok: true, scopes: [] } },
    {
      description: 'scope: a space-delimited string; empty items skipped',
      claims: { scope: ' todo:read  todo:write ' },
      expected: { ok: true, scopes: ['todo:read', 'todo:write'] },
    },
    { description: 'scope: the empty string', claims: { scope: '' }, expected: { ok: true, scopes: [] } },
    {
      description: 'scp: a string (Entra) or an array',
      claims: { scp: 'a b' },
      expected: { ok: true, scopes: ['a', 'b'] },
    },
    { description: 'scp as an array', claims: { scp: ['a', 'b'] }, expected: { ok: true, scopes: ['a', 'b'] } },
    {
      description: 'every configured claim adds, in claim order, each scope once',
      claims: { scopes: ['c', 'a'], scope: 'a b', scp: ['b', 'd'] },
      expected: { ok: true, scopes: ['a', 'b', 'd', 'c'] },
    },
    {
      description: 'claims not configured are not read',
      claims: { scope: 'a', permissions: ['admin'] },
      scopeClaims: ['scope'],
      expected: { ok: true, scopes: ['a'] },
    },
    {
      description: 'permissions (Auth0 RBAC) when configured: an array',
      claims: { permissions: ['read:todos'] },
      scopeClaims: ['permissions'],
      expected: { ok: true, scopes: ['read:todos'] },
    },
    {
      description: 'a custom claim may be a string or an array',
      claims: { roles: 'x y', groups: ['z'] },
      scopeClaims: ['roles', 'groups'],
      expected: { ok: true, scopes: ['x', 'y', 'z'] },
    },
    {
      description: 'scope as an array is refused',
      claims: { scope: ['a'] },
      expected: { ok: false, description: "The token's scope claim must be a space-delimited string" },
    },
    {
      description: 'scopes as a string is refused',
      claims: { scopes: 'a' },
      expected: { ok: false, description: "The token's scopes claim must be an array of strings" },
    },
    {
      description: 'permissions as a string is refused',
      claims: { permissions: 'a' },
      scopeClaims: ['permissions'],
      expected: { ok: false, description: "The token's permissions claim must be an array of strings" },
    },
    {
      description: 'scp with a non-string item is refused',
      claims: { scp: ['a', 1] },
      expected: {
        ok: false,
        description: "The token's scp claim must be a space-delimited string or an array of strings",
      },
    },
    {
      description: 'null is not "absent": refused',
      claims: { scope: null },
      expected: { ok: false, description: "The token's scope claim must be a space-delimited string" },
    },
    {
      description: 'an object is refused, even after a valid claim',
      claims: { scope: 'a', scp: { admin: true } },
      expected: {
        ok: false,
        description: "The token's scp claim must be a space-delimited string or an array of strings",
      },
    },
  ];
  for (const { description, claims, scopeClaims = DEFAULT_CLAIMS, expected } of cases) {
    test(description, () => assert.deepEqual(scopesFromClaims(claims, scopeClaims), expected));
  }
});

describe('scopeChallenge', () => {
  const allOf = (...scopes: string[]): ScopePolicy => ({ kind: 'allOf', scopes });
  const anyOf = (...scopes: string[]): ScopePolicy => ({ kind: 'anyOf', scopes });
  const cases: { description: string; policy: ScopePolicy; granted: string[]; expected: string[] | undefined }[] = [
    { description: 'no scopes needed', policy: allOf(), granted: [], expected: undefined },
    { description: 'anyOf with no scopes: nothing needed', policy: anyOf(), granted: [], expected: undefined },
    { description: 'allOf, all granted', policy: allOf('a', 'b'), granted: ['b', 'c', 'a'], expected: undefined },
    {
      description: 'allOf, one missing: the whole set, to request in one step',
      policy: allOf('a', 'b'),
      granted: ['a'],
      expected: ['a', 'b'],
    },
    { description: 'allOf, none granted', policy: allOf('a', 'b'), granted: [], expected: ['a', 'b'] },
    { description: 'anyOf, one granted', policy: anyOf('a', 'b'), granted: ['b'], expected: undefined },
    {
      description: 'anyOf, none granted: the first (preferred) alternative only',
      policy: anyOf('a', 'b'),
      granted: ['c'],
      expected: ['a'],
    },
    {
      description: 'scopes compare exactly (case)',
      policy: allOf('todo:read'),
      granted: ['TODO:READ'],
      expected: ['todo:read'],
    },
  ];
  for (const { description, policy, granted, expected } of cases) {
    test(description, () => assert.deepEqual(scopeChallenge(policy, granted), expected));
  }

  test('the challenge is a copy: changing it leaves the policy alone', () => {
    const policy = allOf('a');
    scopeChallenge(policy, [])!.push('b');
    assert.deepEqual(policy.scopes, ['a']);
  });
});
