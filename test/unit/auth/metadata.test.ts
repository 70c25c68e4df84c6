/**
 * RFC 9728 protected resource metadata: where it is published (the path-inserted
 * well-known URL, section 3.1) and the document itself (section 2).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildResourceMetadata, resourceMetadataPaths, resourceMetadataUrl } from '../../../src/auth/metadata.js';
import type { ResolvedManifest } from '../../../src/manifest.js';

describe('resourceMetadataUrl (RFC 9728 section 3.1: the well-known segment goes between host and path)', () => {
  const cases: { description: string; resource: string; expected: string }[] = [
    {
      description: 'a path',
      resource: 'https://mcp.example.com/mcp',
      expected: 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp',
    },
    {
      description: 'a deeper path',
      resource: 'https://example.com/tenants/a/mcp',
      expected: 'https://example.com/.well-known/oauth-protected-resource/tenants/a/mcp',
    },
    {
      description: 'the root: no path appended',
      resource: 'https://mcp.example.com/',
      expected: 'https://mcp.example.com/.well-known/oauth-protected-resource',
    },
    {
      description: 'an origin without a slash is the root',
      resource: 'https://mcp.example.com',
      expected: 'https://mcp.example.com/.well-known/oauth-protected-resource',
    },
    {
      description: 'a port is kept',
      resource: 'http://127.0.0.1:3000/mcp',
      expected: 'http://127.0.0.1:3000/.well-known/oauth-protected-resource/mcp',
    },
    {
      description: 'the default port of the scheme is dropped (URL origin)',
      resource: 'https://mcp.example.com:443/mcp',
      expected: 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp',
    },
    {
      description: 'a query is not part of the metadata URL',
      resource: 'https://mcp.example.com/mcp?tenant=a',
      expected: 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp',
    },
  ];
  for (const { description, resource, expected } of cases) {
    test(description, () => assert.equal(resourceMetadataUrl(resource), expected));
  }
});

describe('resourceMetadataPaths', () => {
  test('a path: the path-inserted form, then the root form', () => {
    assert.deepEqual(resourceMetadataPaths('/mcp'), [
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
    ]);
  });
  test('the root path: the root form once', () => {
    assert.deepEqual(resourceMetadataPaths('/'), ['/.well-known/oauth-protected-resource']);
  });
});

describe('buildResourceMetadata', () => {
  /** Only `resource` is read; the rest of a manifest does not matter here. */
  const manifest = (resource: ResolvedManifest['resource']) => ({ resource }) as ResolvedManifest;
  const RESOURCE = 'https://mcp.example.com/mcp';

  const cases: {
    description: string;
    resource: ResolvedManifest['resource'];
    fallback?: string[];
    expected: Record<string, unknown>;
  }[] = [
    {
      description: 'the least: the resource and header bearer tokens only (no scopes, no servers)',
      resource: { scopes_supported: [] },
      expected: { resource: RESOURCE, bearer_methods_supported: ['header'] },
    },
    {
      description: "the manifest's authorization servers and scopes",
      resource: { scopes_supported: ['todo:read'], authorization_servers: ['https://as.example.com'] },
      fallback: ['http://127.0.0.1:3000'],
      expected: {
        resource: RESOURCE,
        authorization_servers: ['https://as.example.com'],
        scopes_supported: ['todo:read'],
        bearer_methods_supported: ['header'],
      },
    },
    {
      description: 'no authorization servers in the manifest: the ones given (the dev server)',
      resource: { scopes_supported: [] },
      fallback: ['http://127.0.0.1:3000'],
      expected: {
        resource: RESOURCE,
        authorization_servers: ['http://127.0.0.1:3000'],
        bearer_methods_supported: ['header'],
      },
    },
    {
      description: 'the optional human-readable fields when given',
      resource: {
        scopes_supported: [],
        resource_name: 'Todos',
        resource_documentation: 'https://docs.example.com',
        resource_policy_uri: 'https://example.com/policy',
        resource_tos_uri: 'https://example.com/tos',
      },
      expected: {
        resource: RESOURCE,
        bearer_methods_supported: ['header'],
        resource_name: 'Todos',
        resource_documentation: 'https://docs.example.com',
        resource_policy_uri: 'https://example.com/policy',
        resource_tos_uri: 'https://example.com/tos',
      },
    },
  ];
  for (const { description, resource, fallback, expected } of cases) {
    test(description, () => assert.deepEqual(buildResourceMetadata(manifest(resource), RESOURCE, fallback), expected));
  }
});
