/**
 * What a reload changed: the item diff between two resolved manifests, the items whose
 * handler code changed, and the one line a reload prints.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CheckedManifest } from '../../../src/config/check.js';
import { resolveManifest } from '../../../src/config/resolve.js';
import type { ResolvedManifest } from '../../../src/manifest.js';
import {
  codeChanges,
  describeReload,
  diffManifests,
  type HandlerGraph,
  type ItemChanges,
  listChanged,
  type ManifestChanges,
  type Section,
} from '../../../src/runtime/reload.js';

const DIR = '/srv/app';
const tool = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  inputSchema: { type: 'object' },
  handler: './handlers/tools.js#run',
  ...extra,
});
/** A resolved manifest (the form a reload compares) from the parts that differ. */
const resolved = (over: Partial<CheckedManifest> = {}): ResolvedManifest =>
  resolveManifest(
    {
      server: { name: 'fixture', version: '1.0.0' },
      auth: { provider: 'none' },
      tools: [],
      resources: [],
      resourceTemplates: [],
      prompts: [],
      ...over,
    },
    `${DIR}/mcp-oauth.config.json`,
  );
const NONE: ItemChanges = { added: [], removed: [], changed: [] };
const NO_CHANGES: ManifestChanges = {
  tools: NONE,
  prompts: NONE,
  resources: NONE,
  resourceTemplates: NONE,
  settings: [],
};
const NO_CODE: Record<Section, string[]> = { tools: [], prompts: [], resources: [], resourceTemplates: [] };

describe('diffManifests', () => {
  const cases: { description: string; before: ResolvedManifest; after: ResolvedManifest; expected: ManifestChanges }[] =
    [
      { description: 'the same manifest: nothing', before: resolved(), after: resolved(), expected: NO_CHANGES },
      {
        description: 'tools added, removed, and changed (any part of the definition)',
        before: resolved({ tools: [tool('keep'), tool('old'), tool('edit'), tool('scoped')] }),
        after: resolved({
          tools: [
            tool('keep'),
            tool('edit', { description: 'now described' }),
            tool('scoped', { scopes: ['todo:write'] }),
            tool('new'),
          ],
        }),
        // The new scope also changes the derived scopes_supported.
        expected: {
          ...NO_CHANGES,
          tools: { added: ['new'], removed: ['old'], changed: ['edit', 'scoped'] },
          settings: ['resource'],
        },
      },
      {
        description: 'a new handler export is a change',
        before: resolved({ tools: [tool('t')] }),
        after: resolved({ tools: [tool('t', { handler: './handlers/tools.js#other' })] }),
        expected: { ...NO_CHANGES, tools: { added: [], removed: [], changed: ['t'] } },
      },
      {
        description: 'reordering items is no change',
        before: resolved({ tools: [tool('a'), tool('b')] }),
        after: resolved({ tools: [tool('b'), tool('a')] }),
        expected: NO_CHANGES,
      },
      {
        description: 'resources are told apart by URI: a renamed URI is one removed and one added',
        before: resolved({
          resources: [
            { uri: 'docs://a', name: 'same', text: 'x' },
            { uri: 'docs://b', name: 'b', text: 'x' },
          ],
        }),
        after: resolved({
          resources: [
            { uri: 'docs://c', name: 'same', text: 'x' },
            { uri: 'docs://b', name: 'renamed', text: 'x' },
          ],
        }),
        expected: {
          ...NO_CHANGES,
          resources: { added: ['docs://c'], removed: ['docs://a'], changed: ['docs://b'] },
        },
      },
      {
        description: 'prompts and templates by name',
        before: resolved({
          prompts: [{ name: 'p', messages: [{ role: 'user', text: 'hi' }] }],
          resourceTemplates: [{ uriTemplate: 'docs://{id}', name: 't', handler: './h.js' }],
        }),
        after: resolved({
          prompts: [{ name: 'p', messages: [{ role: 'user', text: 'hello' }] }],
          resourceTemplates: [{ uriTemplate: 'docs://{id}', name: 'u', handler: './h.js' }],
        }),
        expected: {
          ...NO_CHANGES,
          prompts: { added: [], removed: [], changed: ['p'] },
          resourceTemplates: { added: ['u'], removed: ['t'], changed: [] },
        },
      },
      {
        description: 'settings: server, http, auth and resource each named when they differ',
        before: resolved(),
        after: resolved({
          server: { name: 'fixture', version: '2.0.0' },
          http: { port: 4000 },
          auth: { provider: 'dev' },
        }),
        expected: { ...NO_CHANGES, settings: ['server', 'http', 'auth'] },
      },
      {
        description: 'a new scope on an item changes the derived scopes_supported: resource differs too',
        before: resolved({ tools: [tool('t')] }),
        after: resolved({ tools: [tool('t', { scopes: ['todo:read'] })] }),
        expected: { ...NO_CHANGES, tools: { added: [], removed: [], changed: ['t'] }, settings: ['resource'] },
      },
    ];
  for (const { description, before, after, expected } of cases) {
    test(description, () => assert.deepEqual(diffManifests(before, after), expected));
  }
});

describe('listChanged', () => {
  const cases: { description: string; changes: ItemChanges; expected: boolean }[] = [
    { description: 'nothing', changes: NONE, expected: false },
    { description: 'an item added', changes: { ...NONE, added: ['a'] }, expected: true },
    { description: 'an item removed', changes: { ...NONE, removed: ['a'] }, expected: true },
    { description: 'an item changed', changes: { ...NONE, changed: ['a'] }, expected: true },
  ];
  for (const { description, changes, expected } of cases) {
    test(description, () => assert.equal(listChanged(changes), expected));
  }
});

describe('codeChanges', () => {
  const manifest = resolved({
    tools: [tool('a'), tool('b')],
    prompts: [
      { name: 'review', handler: './handlers/prompts.js#review', complete: { language: './handlers/lang.js' } },
    ],
    resources: [{ uri: 'docs://live', name: 'live', handler: './handlers/live.js' }],
    resourceTemplates: [{ uriTemplate: 'docs://{id}', name: 'doc', handler: './handlers/doc.js' }],
  });
  const graphs: HandlerGraph[] = [
    { path: ['tools', 0, 'handler'], files: [`${DIR}/handlers/tools.js`, `${DIR}/lib/shared.js`] },
    { path: ['tools', 1, 'handler'], files: [`${DIR}/handlers/tools.js`] },
    { path: ['prompts', 0, 'handler'], files: [`${DIR}/handlers/prompts.js`] },
    { path: ['prompts', 0, 'complete', 'language'], files: [`${DIR}/handlers/lang.js`, `${DIR}/lib/shared.js`] },
    { path: ['resources', 0, 'handler'], files: [`${DIR}/handlers/live.js`] },
    { path: ['resourceTemplates', 0, 'handler'], files: [`${DIR}/handlers/doc.js`] },
    // An index the manifest no longer has (the graph is from before a reload): ignored.
    { path: ['tools', 5, 'handler'], files: [`${DIR}/handlers/tools.js`] },
  ];
  const cases: { description: string; changed: string[]; expected: Record<Section, string[]> }[] = [
    { description: 'no file changed', changed: [], expected: NO_CODE },
    { description: 'a file no handler is made of', changed: [`${DIR}/README.md`], expected: NO_CODE },
    {
      description: 'a module two tools share: both, each once',
      changed: [`${DIR}/handlers/tools.js`],
      expected: { ...NO_CODE, tools: ['a', 'b'] },
    },
    {
      description: 'an import: the tool that imports it, and the prompt whose completion handler does',
      changed: [`${DIR}/lib/shared.js`],
      expected: { ...NO_CODE, tools: ['a'], prompts: ['review'] },
    },
    {
      description: 'resources by URI, templates by name',
      changed: [`${DIR}/handlers/live.js`, `${DIR}/handlers/doc.js`],
      expected: { ...NO_CODE, resources: ['docs://live'], resourceTemplates: ['doc'] },
    },
  ];
  for (const { description, changed, expected } of cases) {
    test(description, () => assert.deepEqual(codeChanges(manifest, graphs, changed), expected));
  }
});

describe('describeReload', () => {
  const cases: {
    description: string;
    changes: ManifestChanges;
    code?: Record<Section, string[]>;
    files: string[];
    ms: number;
    expected: string;
  }[] = [
    {
      description: 'nothing differs, no file (Runtime.reload()); milliseconds rounded',
      changes: NO_CHANGES,
      files: [],
      ms: 12.5,
      expected: 'reloaded in 13 ms: nothing changed',
    },
    {
      description: 'one file: named',
      changes: NO_CHANGES,
      code: { ...NO_CODE, prompts: ['review'] },
      files: ['handlers/prompts.js'],
      ms: 84,
      expected: 'reloaded in 84 ms (handlers/prompts.js changed): prompts ~review',
    },
    {
      description: 'several files: the first, and how many more',
      changes: {
        ...NO_CHANGES,
        tools: { added: ['add_note'], removed: [], changed: ['create_todo'] },
        settings: ['auth'],
      },
      files: ['mcp-oauth.config.json', 'handlers/notes.js'],
      ms: 42,
      expected: 'reloaded in 42 ms (mcp-oauth.config.json +1 more changed): tools +add_note ~create_todo; auth changed',
    },
    {
      description: 'sections in order tools, prompts, resources, resourceTemplates; then settings',
      changes: {
        tools: { added: [], removed: ['t'], changed: [] },
        prompts: { added: ['p'], removed: [], changed: [] },
        resources: { added: [], removed: [], changed: ['docs://r'] },
        resourceTemplates: { added: ['doc'], removed: ['old'], changed: [] },
        settings: ['server', 'http'],
      },
      files: [],
      ms: 1,
      expected:
        'reloaded in 1 ms: tools -t; prompts +p; resources ~docs://r; resourceTemplates +doc -old; server changed; http changed',
    },
    {
      description: 'a definition and a code change are one mark; an added item is not also marked as changed code',
      changes: { ...NO_CHANGES, tools: { added: ['new'], removed: [], changed: ['both'] } },
      code: { ...NO_CODE, tools: ['new', 'both', 'coded'] },
      files: ['handlers/tools.js'],
      ms: 3,
      expected: 'reloaded in 3 ms (handlers/tools.js changed): tools +new ~both ~coded',
    },
    {
      description: 'a file changed that no item is made of',
      changes: NO_CHANGES,
      files: ['lib/unused.js'],
      ms: 0.4,
      expected: 'reloaded in 0 ms (lib/unused.js changed): nothing changed',
    },
  ];
  for (const { description, changes, code = NO_CODE, files, ms, expected } of cases) {
    test(description, () => assert.equal(describeReload(changes, code, files, ms), expected));
  }
});
