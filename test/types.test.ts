/**
 * `mcp-serve types`: the generated module for examples/todo and for a fixture with
 * $defs, enums, nested objects, arrays, outputs, recursion and colliding names; the
 * same manifest gives the same bytes; the repo's TypeScript compiles it against Zod 4
 * and mcp-oauth together with handlers that use it, and refuses a handler that
 * misuses a field; nothing it emits is marked deprecated in the installed Zod.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import { zodSource } from '../src/commands/schema-to-zod.js';
import { generateTypes } from '../src/commands/types.js';
import { loadManifest } from '../src/config/index.js';
import { McpOAuthError } from '../src/errors.js';
import type { ResolvedManifest } from '../src/manifest.js';
import { FIXTURES, ROOT } from './support/server.js';

const TODO = 'examples/todo/mcp-oauth.config.yaml';
const TYPED = join(FIXTURES, 'typed', 'mcp-oauth.config.yaml');

async function load(configPath: string): Promise<ResolvedManifest> {
  return (await loadManifest({ cwd: ROOT, configPath, env: { ISSUER: 'https://auth.example.com' } })).manifest;
}

describe('generateTypes', () => {
  test('examples/todo: a header, the imports, and per tool a schema, a type and a handler type', async () => {
    const text = generateTypes(await load(TODO), 'mcp-oauth.config.yaml');
    const lines = text.split('\n');
    assert.deepEqual(lines.slice(0, 4), [
      '// Generated from mcp-oauth.config.yaml by `mcp-serve types`. Do not edit:',
      '// change the manifest and run `mcp-serve types` again.',
      "import { z } from 'zod';",
      "import type { ToolHandler } from 'mcp-serve';",
    ]);
    for (const line of [
      '// Tool "create_todo": Create a new todo item',
      'export const CreateTodoInput = z.strictObject({ "title": z.string().min(1).max(200), "due": z.iso.date().optional() });',
      'export type CreateTodoInput = z.infer<typeof CreateTodoInput>;',
      'export const CreateTodoOutput = z.object({ "id": z.string(), "title": z.string(), "done": z.boolean(), "due": z.string().optional() });',
      'export type CreateTodoOutput = z.infer<typeof CreateTodoOutput>;',
      'export type CreateTodoHandler = ToolHandler<CreateTodoInput, CreateTodoOutput>;',
      'export const ListTodosInput = z.strictObject({ "done": z.boolean().optional() });',
      'export type ListTodosHandler = ToolHandler<ListTodosInput, unknown>;',
      'export type DeleteTodoHandler = ToolHandler<DeleteTodoInput, unknown>;',
    ]) {
      assert.ok(lines.includes(line), `missing: ${line}\n\n${text}`);
    }
    assert.ok(!text.includes('ListTodosOutput'), 'a tool without outputSchema has no Output');
    assert.ok(text.endsWith(';\n'));
  });

  test('a manifest without tools gives a module without imports', async () => {
    assert.equal(
      generateTypes({ ...(await load(TODO)), tools: [] }, 'm.yaml'),
      '// Generated from m.yaml by `mcp-serve types`. Do not edit:\n// change the manifest and run `mcp-serve types` again.\nexport {};\n',
    );
  });

  test('the same manifest gives the same bytes, loaded twice', async () => {
    for (const file of [TODO, TYPED]) {
      assert.equal(generateTypes(await load(file), 'm.yaml'), generateTypes(await load(file), 'm.yaml'));
    }
  });

  test('$refs are inlined, nothing is typed `any`, and colliding names stay distinct', async () => {
    const text = generateTypes(await load(TYPED), 'mcp-oauth.config.yaml');
    assert.ok(!text.includes('z.any()'), text);
    assert.ok(!text.includes('$ref'), text);
    const declared = [...text.matchAll(/^export (?:const|type) (\w+)/gm)].map((m) => m[1]);
    assert.deepEqual(declared, [
      'CreateOrderInput',
      'CreateOrderInput',
      'CreateOrderOutput',
      'CreateOrderOutput',
      'CreateOrderHandler',
      'CreateOrder2Input',
      'CreateOrder2Input',
      'CreateOrder2Handler',
      'TreeInput',
      'TreeInput',
      'TreeHandler',
      'Tool2Input',
      'Tool2Input',
      'Tool2Handler',
      'Tool2faVerifyInput',
      'Tool2faVerifyInput',
      'Tool2faVerifyHandler',
    ]);
    assert.match(text, /^\/\/ Tool "create-order": Same PascalCase name as create_order$/m);
    // The address definition, used twice, appears twice, with the $ref's own description on the first.
    assert.equal(text.split('"country": z.enum(["DE","FR","US"])').length - 1, 2);
    assert.match(text, /"ship_to": z\.strictObject\(\{ [^}]* \}\)\.describe\("Where the parcel goes"\)/);
  });
});

describe('zodSource: JSON Schema to Zod, as the server validates it', () => {
  const cases: { name: string; schema: Record<string, unknown>; source: string }[] = [
    {
      name: 'a default leaves the property optional (the server does not fill defaults in)',
      schema: { type: 'object', properties: { n: { type: 'integer', default: 3 } } },
      source: 'z.object({ "n": z.int().optional() })',
    },
    {
      name: 'a $ref beside other keywords applies both (2020-12): merged when independent, intersected otherwise',
      schema: {
        type: 'object',
        properties: {
          a: { $ref: '#/$defs/s', maxLength: 3 },
          b: { $ref: '#/$defs/o', required: ['x'] },
          c: { $ref: '#/$defs/o', properties: { y: { type: 'number' } } },
        },
        $defs: { s: { type: 'string' }, o: { type: 'object', properties: { x: { type: 'string' } } } },
      },
      source:
        'z.object({ "a": z.string().max(3).optional(), "b": z.object({ "x": z.string() }).optional(), ' +
        '"c": z.intersection(z.object({ "x": z.string().optional() }), z.object({ "y": z.number().optional() })).optional() })',
    },
    {
      name: '$anchor references and escaped JSON pointers resolve',
      schema: {
        type: 'object',
        properties: { a: { $ref: '#word' }, b: { $ref: '#/$defs/a~1b' } },
        $defs: { w: { $anchor: 'word', type: 'string' }, 'a/b': { type: 'boolean' } },
      },
      source: 'z.object({ "a": z.string().optional(), "b": z.boolean().optional() })',
    },
    {
      name: 'a reference back to the root is cut where it repeats',
      schema: { type: 'object', properties: { next: { $ref: '#' } } },
      source: 'z.object({ "next": z.object({ "next": z.unknown().optional() }).optional() })',
    },
    {
      name: 'oneOf is a plain union; an object without members is a record of unknown',
      schema: { type: 'object', properties: { v: { oneOf: [{ type: 'string' }, { type: 'object' }] } } },
      source: 'z.object({ "v": z.union([z.string(), z.record(z.string(), z.unknown())]).optional() })',
    },
    {
      name: "formats and closed objects use Zod 4's own schemas, keeping the length checks and the pattern",
      schema: {
        type: 'object',
        properties: {
          d: { type: 'string', format: 'date' },
          t: { type: 'string', format: 'date-time' },
          p: { type: 'string', format: 'duration' },
          e: { type: 'string', format: 'email', maxLength: 99 },
          u: { type: 'string', format: 'uri' },
          id: { type: 'string', format: 'uuid', pattern: '^0' },
          n: { type: ['integer', 'null'], minimum: 1, multipleOf: 1 },
        },
        additionalProperties: false,
      },
      source:
        'z.strictObject({ "d": z.iso.date().optional(), "t": z.iso.datetime({ offset: true }).optional(), "p": z.iso.duration().optional(), ' +
        '"e": z.email().max(99).optional(), "u": z.url().optional(), "id": z.uuid().regex(new RegExp("^0", "u")).optional(), ' +
        '"n": z.union([z.int().gte(1), z.null()]).optional() })',
    },
    {
      name: 'a pattern is compiled with the u flag, as AJV compiles it; unknown formats are dropped',
      schema: {
        type: 'object',
        properties: { s: { type: 'string', pattern: '^\\p{Lu}$' }, ip: { type: 'string', format: 'ipv4' } },
      },
      source:
        'z.object({ "s": z.string().regex(new RegExp("^\\\\p{Lu}$", "u")).optional(), "ip": z.string().optional() })',
    },
  ];
  for (const { name, schema, source } of cases) {
    test(name, () => {
      assert.equal(zodSource(schema), source);
      // The source evaluates against the real Zod 4.
      const compiled = new Function('z', `return ${source};`)(z) as z.ZodType;
      assert.equal(typeof compiled.safeParse, 'function');
    });
  }

  test('no member the installed Zod marks @deprecated is emitted', async () => {
    const generated = [
      generateTypes(await load(TODO), 'm'),
      generateTypes(await load(TYPED), 'm'),
      ...cases.map((c) => zodSource(c.schema)),
    ].join('\n');
    const deprecated = deprecatedZodApi();
    assert.ok(deprecated.methods.has('date') && deprecated.methods.has('email'), "the scan reads Zod's declarations");
    for (const name of deprecated.methods)
      assert.doesNotMatch(generated, new RegExp(`\\)\\.${name}\\(`), `.${name}() is deprecated`);
    for (const name of deprecated.functions)
      assert.doesNotMatch(generated, new RegExp(`\\bz\\.${name}\\(`), `z.${name}() is deprecated`);
  });

  test('the format schemas accept and refuse what the formats mean', () => {
    const schema = new Function('z', `return ${zodSource(cases.find((c) => c.name.startsWith('formats'))!.schema)};`)(
      z,
    ) as z.ZodType;
    const valid = {
      d: '2026-07-28',
      t: '2026-07-28T10:00:00+02:00',
      p: 'P1DT2H',
      e: 'a@example.com',
      u: 'https://example.com/x',
      id: '0f8fad5b-d9cb-469f-a165-70867728950e',
      n: 2,
    };
    assert.equal(schema.safeParse(valid).success, true);
    for (const [key, bad] of Object.entries({
      d: '2026-13-01',
      t: '2026-07-28 10:00',
      p: '1 day',
      e: 'a@',
      u: 'not a url',
      id: 'nope',
      n: 1.5,
    })) {
      assert.equal(schema.safeParse({ ...valid, [key]: bad }).success, false, `${key}: ${bad}`);
    }
    assert.equal(schema.safeParse({ ...valid, extra: 1 }).success, false, 'closed object');
  });

  test('the generated pattern check agrees with AJV on a non-ASCII capital', () => {
    const schema = new Function('z', `return ${zodSource({ type: 'string', pattern: '^\\p{Lu}$' })};`)(z) as z.ZodType;
    assert.equal(schema.safeParse('Ä').success, true);
    assert.equal(schema.safeParse('ä').success, false);
  });

  test('a $ref bomb is refused as a manifest problem, not expanded', async () => {
    const defs: Record<string, unknown> = { d0: { type: 'string' } };
    for (let i = 1; i <= 20; i++)
      defs[`d${i}`] = {
        type: 'array',
        items: { anyOf: [{ $ref: `#/$defs/d${i - 1}` }, { $ref: `#/$defs/d${i - 1}` }] },
      };
    const manifest = {
      ...(await load(TODO)),
      tools: [
        {
          ...(await load(TODO)).tools[0]!,
          inputSchema: { type: 'object', properties: { x: { $ref: '#/$defs/d20' } }, $defs: defs },
        },
      ],
    };
    assert.throws(
      () => generateTypes(manifest, 'm.yaml'),
      (error: unknown) => {
        assert.ok(error instanceof McpOAuthError);
        assert.equal(error.code, 'MANIFEST_INVALID');
        assert.equal(error.problems[0]?.path, 'tools[0].inputSchema');
        assert.match(error.problems[0]?.message ?? '', /expand to more than 10000 schemas/);
        return true;
      },
    );
  });
});

describe('the generated module compiles with the repo TypeScript against Zod 4 and mcp-serve', () => {
  let dir: string;
  const tsc = (config: string) =>
    spawnSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['--noEmit', '-p', join(dir, config)], {
      cwd: dir,
      encoding: 'utf8',
    });

  before(async () => {
    // Inside the repository, so `zod` resolves from its node_modules.
    mkdirSync(join(ROOT, '.cache'), { recursive: true });
    dir = mkdtempSync(join(ROOT, '.cache', 'types-'));
    writeFileSync(join(dir, 'todo.types.ts'), generateTypes(await load(TODO), 'todo'));
    writeFileSync(join(dir, 'typed.types.ts'), generateTypes(await load(TYPED), 'typed'));
    writeFileSync(join(dir, 'handlers.ts'), HANDLERS);
    writeFileSync(join(dir, 'misuse.ts'), MISUSE);
    const compilerOptions = {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      noEmit: true,
      types: [],
      skipLibCheck: true,
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      verbatimModuleSyntax: true,
      noUnusedLocals: true,
      // mcp-oauth as a user gets it: the built declarations.
      paths: { 'mcp-serve': ['../../dist/src/index.d.ts'] },
    };
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions, files: ['todo.types.ts', 'typed.types.ts', 'handlers.ts'] }),
    );
    writeFileSync(
      join(dir, 'tsconfig.misuse.json'),
      JSON.stringify({ compilerOptions, files: ['todo.types.ts', 'misuse.ts'] }),
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('handlers typed with the generated types compile, and the types are exact (not any)', () => {
    const run = tsc('tsconfig.json');
    assert.equal(run.status, 0, run.stdout + run.stderr);
  });

  test('a handler that treats a string field as a number does not compile', () => {
    const run = tsc('tsconfig.misuse.json');
    assert.notEqual(run.status, 0);
    assert.match(run.stdout, /misuse\.ts\(\d+,\d+\): error TS2551: Property 'toFixed' does not exist on type 'string'/);
  });
});

/**
 * Names Zod's classic API declares `@deprecated`: members (`z.string().email()`) and
 * functions (`z.nativeEnum()`), read from the installed declarations.
 */
function deprecatedZodApi(): { methods: Set<string>; functions: Set<string> } {
  const dts = readFileSync(join(ROOT, 'node_modules', 'zod', 'v4', 'classic', 'schemas.d.ts'), 'utf8');
  const methods = new Set<string>();
  const functions = new Set<string>();
  for (const match of dts.matchAll(
    /\/\*\*(?:(?!\*\/)[\s\S])*@deprecated(?:(?!\*\/)[\s\S])*\*\/\s*(export declare (?:function|const) )?(\w+)/g,
  )) {
    (match[1] ? functions : methods).add(match[2]!);
  }
  return { methods, functions };
}

/** Handlers a user would write, plus exact-type checks: an `any` anywhere fails `Equal`. */
const HANDLERS = `import type { CreateTodoHandler } from './todo.types.js';
import type { CreateOrderHandler, CreateOrderInput, CreateOrderOutput, CreateOrder2Handler, Tool2Input, TreeInput, Tool2faVerifyInput } from './typed.types.js';

export const createTodo: CreateTodoHandler = async (input) => input.title.toUpperCase();

export const createOrder: CreateOrderHandler = async (input, ctx) => ({
  id: \`\${input.items[0]!.sku}-\${ctx.auth?.subject ?? 'anonymous'}\`,
  total: input.items.reduce((sum, item) => sum + item.qty, 0),
  lines: input.items.map((item) => ({ sku: item.sku, price: 1 })),
  payment: { kind: 'invoice' },
});

export const createOrder2: CreateOrder2Handler = (input) => input.id;

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
export const exact: [
  Equal<CreateOrderInput['items'][number], { sku: string; qty: number }>,
  Equal<CreateOrderInput['ship_to'], { street?: string | undefined; city: string; country: 'DE' | 'FR' | 'US' }>,
  Equal<CreateOrderInput['status'], 'pending' | 'paid'>,
  Equal<CreateOrderInput['priority'], 1 | 2 | 3 | undefined>,
  Equal<CreateOrderInput['notes'], string | undefined>,
  Equal<CreateOrderInput['metadata'], Record<string, string> | undefined>,
  Equal<CreateOrderInput['extra'], unknown>,
  Equal<CreateOrderOutput['payment'], { kind: 'card'; last4: string } | { kind: 'invoice'; due?: string | undefined } | undefined>,
  Equal<CreateOrderOutput['note'], string | null | undefined>,
  Equal<TreeInput['root'], { label: string; children?: unknown[] | undefined }>,
  Equal<Tool2Input, Record<string, unknown>>,
  Equal<Tool2faVerifyInput['pair'], (string | number)[] | undefined>,
] = [true, true, true, true, true, true, true, true, true, true, true, true];
`;

/** Treats the title (a string) as a number. */
const MISUSE = `import type { CreateTodoHandler } from './todo.types.js';

export const createTodo: CreateTodoHandler = async (input) => input.title.toFixed(2);
`;
