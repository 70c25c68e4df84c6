/**
 * authContextFromClaims: from verified claims to the caller, refusing claims of the
 * wrong type and times out of order (RFC 7519 section 4.1, RFC 9068 section 2.2,
 * RFC 7662 section 2.2); and the principal key that no two callers share.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  authContextFromClaims,
  type ClaimsPolicy,
  type ClaimsVerdict,
  callerFields,
  principalKey,
} from '../../../src/auth/claims.js';
import { EXP_BEFORE_IAT, EXPIRED, ISSUED_IN_FUTURE, mustBeString, NO_EXP, NOT_YET } from '../../support/tokens.js';

const ISSUER = 'https://issuer.example.com';
const NOW = 1_700_000_000;
const POLICY: ClaimsPolicy = { scopeClaims: ['scope', 'scp', 'scopes'], clockToleranceSec: 30 };
const numericDate = (claim: string) => `The token's ${claim} claim must be a NumericDate (seconds since the epoch)`;

const verdict = (claims: Record<string, unknown>, policy: ClaimsPolicy = POLICY): ClaimsVerdict =>
  authContextFromClaims(claims, ISSUER, policy, NOW);
const refusal = (claims: Record<string, unknown>, policy?: ClaimsPolicy): string | undefined => {
  const v = verdict(claims, policy);
  return v.ok ? undefined : v.description;
};

describe('authContextFromClaims: accepted', () => {
  test('a user token: subject, client, principal, scopes, claims and expiry', () => {
    const claims = { iss: ISSUER, sub: 'alice', client_id: 'app', scope: 'a b', exp: NOW + 300, iat: NOW };
    assert.deepEqual(verdict(claims), {
      ok: true,
      auth: {
        issuer: ISSUER,
        subject: 'alice',
        clientId: 'app',
        principal: JSON.stringify([ISSUER, 'alice', 'app']),
        scopes: ['a', 'b'],
        claims,
        expiresAt: NOW + 300,
      },
    });
  });

  const clients: { description: string; claims: Record<string, unknown>; clientId: string | undefined }[] = [
    { description: 'client_id first (RFC 9068)', claims: { client_id: 'a', azp: 'b', cid: 'c' }, clientId: 'a' },
    { description: 'then azp (OpenID Connect)', claims: { azp: 'b', cid: 'c' }, clientId: 'b' },
    { description: 'then cid (Okta)', claims: { cid: 'c' }, clientId: 'c' },
    { description: 'none of them: no client', claims: { sub: 'alice' }, clientId: undefined },
  ];
  for (const { description, claims, clientId } of clients) {
    test(`the client: ${description}`, () => {
      const v = verdict({ exp: NOW + 60, ...claims });
      assert.ok(v.ok);
      assert.equal(v.auth.clientId, clientId);
    });
  }

  test('a client-credentials token: no subject, the client as principal', () => {
    const v = verdict({ client_id: 'billing', exp: NOW + 60 });
    assert.ok(v.ok);
    assert.deepEqual([v.auth.subject, v.auth.principal], [undefined, JSON.stringify([ISSUER, null, 'billing'])]);
  });

  test('neither subject nor client: no principal (no one in particular)', () => {
    const v = verdict({ exp: NOW + 60 });
    assert.ok(v.ok);
    assert.equal(v.auth.principal, undefined);
  });

  test('no exp, with a policy expiry (introspection): that expiry', () => {
    const v = verdict({ sub: 'a' }, { ...POLICY, expiresAtWithoutExp: NOW + 60 });
    assert.ok(v.ok);
    assert.equal(v.auth.expiresAt, NOW + 60);
  });

  test('the context is frozen, and a copy: changing the claims afterwards changes nothing', () => {
    const claims: Record<string, unknown> = { sub: 'a', scope: 'x', exp: NOW + 60 };
    const v = verdict(claims);
    assert.ok(v.ok);
    claims['sub'] = 'mallory';
    assert.deepEqual(
      [Object.isFrozen(v.auth), Object.isFrozen(v.auth.scopes), Object.isFrozen(v.auth.claims), v.auth.claims['sub']],
      [true, true, true, 'a'],
    );
  });
});

describe('authContextFromClaims: refused', () => {
  const cases: { description: string; claims: Record<string, unknown>; expected: string }[] = [
    // Identity claims: non-empty strings (RFC 7519 StringOrURI)
    { description: 'sub as an object', claims: { sub: { id: 'a' }, exp: NOW + 60 }, expected: mustBeString('sub') },
    { description: 'sub empty', claims: { sub: '', exp: NOW + 60 }, expected: mustBeString('sub') },
    {
      description: 'client_id as a number',
      claims: { client_id: 7, exp: NOW + 60 },
      expected: mustBeString('client_id'),
    },
    { description: 'azp as an array', claims: { azp: ['a'], exp: NOW + 60 }, expected: mustBeString('azp') },
    { description: 'cid as null', claims: { cid: null, exp: NOW + 60 }, expected: mustBeString('cid') },
    // NumericDates
    { description: 'exp as a string', claims: { exp: String(NOW + 60) }, expected: numericDate('exp') },
    {
      description: 'iat as Infinity',
      claims: { exp: NOW + 60, iat: Number.POSITIVE_INFINITY },
      expected: numericDate('iat'),
    },
    { description: 'nbf as NaN', claims: { exp: NOW + 60, nbf: Number.NaN }, expected: numericDate('nbf') },
    { description: 'no exp and no policy expiry', claims: { sub: 'a' }, expected: NO_EXP },
    // Times, with the 30 s tolerance
    { description: 'exp exactly tolerance ago: expired', claims: { exp: NOW - 30 }, expected: EXPIRED },
    { description: 'exp long ago', claims: { exp: NOW - 3600 }, expected: EXPIRED },
    { description: 'nbf beyond the tolerance', claims: { exp: NOW + 600, nbf: NOW + 31 }, expected: NOT_YET },
    { description: 'iat beyond the tolerance', claims: { exp: NOW + 600, iat: NOW + 31 }, expected: ISSUED_IN_FUTURE },
    { description: 'exp equal to iat', claims: { exp: NOW + 10, iat: NOW + 10 }, expected: EXP_BEFORE_IAT },
    { description: 'exp before iat', claims: { exp: NOW + 10, iat: NOW + 20 }, expected: EXP_BEFORE_IAT },
    // Scopes (scopes.ts decides the forms)
    {
      description: 'scope as an array',
      claims: { exp: NOW + 60, scope: ['a'] },
      expected: "The token's scope claim must be a space-delimited string",
    },
    // Order: identity, then times, then scopes
    {
      description: 'a bad sub is named before a bad exp',
      claims: { sub: 1, exp: NOW - 3600 },
      expected: mustBeString('sub'),
    },
    {
      description: 'an expired token is named before a bad scope',
      claims: { exp: NOW - 3600, scope: 1 },
      expected: EXPIRED,
    },
  ];
  for (const { description, claims, expected } of cases) {
    test(description, () => assert.equal(refusal(claims), expected));
  }

  const withinTolerance: { description: string; claims: Record<string, unknown> }[] = [
    { description: 'exp 29 s ago', claims: { exp: NOW - 29 } },
    { description: 'nbf exactly tolerance ahead', claims: { exp: NOW + 600, nbf: NOW + 30 } },
    { description: 'iat exactly tolerance ahead', claims: { exp: NOW + 600, iat: NOW + 30 } },
  ];
  for (const { description, claims } of withinTolerance) {
    test(`within the tolerance, accepted: ${description}`, () => assert.equal(refusal(claims), undefined));
  }

  test('a tolerance of 0: exp now is expired, exp a second ahead is not', () => {
    const strict = { ...POLICY, clockToleranceSec: 0 };
    assert.deepEqual([refusal({ exp: NOW }, strict), refusal({ exp: NOW + 1 }, strict)], [EXPIRED, undefined]);
  });
});

describe('principalKey', () => {
  test('different triples never share a key, where joining with a separator would', () => {
    const triples: [string, string | undefined, string | undefined][] = [
      ['a|b', 'c', undefined],
      ['a', 'b|c', undefined],
      ['a', 'b', 'c'],
      ['a', undefined, 'b'],
      ['a', 'b', undefined],
      ['a', 'null', undefined],
      ['a', undefined, 'null'],
      ['a', '","', undefined],
      ['a","', '', undefined],
    ];
    const keys = triples.map(([issuer, subject, client]) => principalKey(issuer, subject, client));
    assert.equal(new Set(keys).size, triples.length, keys.join('\n'));
  });

  test('the same triple always gives the same key', () => {
    assert.equal(principalKey('i', 's', 'c'), principalKey('i', 's', 'c'));
    assert.equal(principalKey('i', 's', 'c'), '["i","s","c"]');
  });

  test('neither subject nor client: undefined', () => {
    assert.equal(principalKey('i', undefined, undefined), undefined);
  });
});

describe('callerFields', () => {
  test('no caller: nothing', () => assert.deepEqual(callerFields(undefined), {}));
  test('issuer, subject and client, never the token or claims', () => {
    const v = verdict({ sub: 'alice', client_id: 'app', exp: NOW + 60, secret: 'x' });
    assert.ok(v.ok);
    assert.deepEqual(callerFields(v.auth), { issuer: ISSUER, subject: 'alice', clientId: 'app' });
  });
  test('absent subject or client are left out', () => {
    const v = verdict({ client_id: 'app', exp: NOW + 60 });
    assert.ok(v.ok);
    assert.deepEqual(callerFields(v.auth), { issuer: ISSUER, clientId: 'app' });
  });
});
