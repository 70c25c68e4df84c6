/**
 * The verified-token cache (auth.tokenCacheSize): a repeated token skips verification,
 * an entry never outlives the token's exp, refusals are not remembered, the cache is
 * bounded, and 0 turns it off. Tokens come from a real issuer with a real JWKS.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Verification } from '../src/auth/types.js';
import { createTokenVerifier, type VerifierConfig } from '../src/auth/verifier.js';
import { type Authority, startAuthority } from './support/authority.js';

const RESOURCE = 'http://127.0.0.1:9/mcp';
let authority: Authority;

before(async () => {
  authority = await startAuthority({ audience: RESOURCE });
});
after(() => authority.close());

function verifier(overrides: Partial<VerifierConfig> = {}) {
  return createTokenVerifier(
    {
      issuers: [authority.issuer],
      discoveryIssuer: authority.issuer,
      jwksUri: authority.jwksUri,
      audienceIncludesResource: true,
      algorithms: ['RS256'],
      scopeClaims: ['scope'],
      clockToleranceSec: 0,
      jwksCacheSec: 600,
      tokenCacheSize: 100,
      ...overrides,
    },
    RESOURCE,
  );
}

function accepted(v: Verification) {
  assert.ok(v.ok, JSON.stringify(v));
  return v.auth;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('verified-token cache', () => {
  test('a repeated token is answered from the cache: the same verdict, without verifying again', async () => {
    const v = verifier();
    const token = await authority.mint({ scope: 'a', jti: randomUUID() });
    const first = accepted(await v.verify(token));
    assert.equal(accepted(await v.verify(token)), first);
    assert.notEqual(accepted(await v.verify(await authority.mint({ scope: 'a', jti: randomUUID() }))), first);
  });

  test("an entry never outlives the token's exp", async () => {
    const v = verifier();
    // Two seconds: exp is whole seconds, so a one-second token minted late in a second may expire at once.
    const token = await authority.mint({ scope: 'a', jti: randomUUID() }, { expiresIn: 2 });
    accepted(await v.verify(token));
    await sleep(2_100);
    assert.deepEqual(await v.verify(token), {
      ok: false,
      error: 'invalid_token',
      description: 'The access token expired',
    });
  });

  test('refused tokens are not remembered', async () => {
    const v = verifier();
    const foreign = await authority.mint({ scope: 'a', jti: randomUUID(), aud: 'https://elsewhere.example/mcp' });
    for (let i = 0; i < 2; i++) assert.equal((await v.verify(foreign)).ok, false);
  });

  test('bounded: past tokenCacheSize the oldest entry is dropped', async () => {
    const v = verifier({ tokenCacheSize: 2 });
    const [t1, t2, t3] = await Promise.all([1, 2, 3].map(() => authority.mint({ scope: 'a', jti: randomUUID() })));
    const first = accepted(await v.verify(t1!));
    accepted(await v.verify(t2!));
    const second = accepted(await v.verify(t2!));
    accepted(await v.verify(t3!));
    assert.notEqual(accepted(await v.verify(t1!)), first, 't1 was evicted');
    assert.notEqual(accepted(await v.verify(t2!)), second, 't2 was evicted by t1');
  });

  test('tokenCacheSize 0 verifies every time', async () => {
    const v = verifier({ tokenCacheSize: 0 });
    const token = await authority.mint({ scope: 'a', jti: randomUUID() });
    assert.notEqual(accepted(await v.verify(token)), accepted(await v.verify(token)));
  });
});
