/**
 * JSON Schema → Zod source text for generated handler types; the one owner of
 * json-schema-to-zod. A tool schema is first rewritten into the part of JSON Schema
 * that converts faithfully: local `$ref`s inlined (the converter turns a `$ref` into
 * `z.any()`), and keywords dropped where the Zod form would type or check a value
 * differently from the server. The server keeps validating against the JSON Schema
 * itself (AJV); the Zod schema is for types and never stricter than it needs to be.
 */
import {
  type JsonSchemaObject,
  jsonSchemaToZod,
  parseNumber,
  parseObject,
  parseString,
  type Refs,
} from 'json-schema-to-zod';

/** Thrown when inlining `$ref`s would expand a schema beyond `MAX_EXPANSIONS` (a reference bomb). */
export class SchemaTooLargeError extends Error {
  override readonly name = 'SchemaTooLargeError';
}

/** How many `$ref`s one schema may inline before it is refused. */
const MAX_EXPANSIONS = 10_000;

/**
 * Zod source for one schema, e.g. `z.object({ "title": z.string().min(1) })`.
 *
 * @example zodSource({ type: 'object', properties: { n: { type: 'integer' } } })
 * // → 'z.object({ "n": z.int().optional() })'
 */
export function zodSource(schema: Record<string, unknown>): string {
  const prepared = prepareSchema(schema);
  return jsonSchemaToZod(prepared, {
    module: 'none',
    zodVersion: 4,
    parserOverride: overrideNode,
  });
}

/** Keywords that only annotate; a `$ref` beside nothing else but these is a plain reference. */
const ANNOTATIONS = new Set(['title', 'description', 'deprecated', 'readOnly', 'writeOnly', 'examples', '$comment']);

/**
 * Dropped: `default` (the server does not fill defaults in, so the property stays
 * optional in what a handler receives; the converter would make it required);
 * conditionals and `not` (the converter types them as `any`); the `content*` keywords
 * (the converter would decode or parse the string, which the server does not); and
 * keywords the converter ignores anyway.
 */
const DROPPED = new Set([
  'default',
  'if',
  'then',
  'else',
  'not',
  'contentMediaType',
  'contentSchema',
  'contentEncoding',
  '$defs',
  'definitions',
  '$schema',
  '$id',
  '$anchor',
  '$dynamicAnchor',
  '$vocabulary',
  'dependentSchemas',
  'unevaluatedProperties',
  'unevaluatedItems',
  'contains',
  'propertyNames',
  'discriminator',
]);

/** String formats whose Zod check accepts what ajv-formats accepts; others stay plain strings. */
const FORMATS = new Set(['date', 'date-time', 'email', 'uri', 'uuid', 'duration']);

/** Keys that make the converter pick a parser; a schema with none of them constrains nothing. */
const SELECTING = ['type', 'anyOf', 'allOf', 'oneOf', 'enum', 'const', 'nullable'];

interface Context {
  readonly root: unknown;
  readonly anchors: ReadonlyMap<string, unknown>;
  /** `$ref` targets being inlined, outermost first: meeting one again is recursion. */
  readonly inlining: readonly unknown[];
  readonly counter: { expansions: number };
}

/** The rewritten schema: no `$ref`, nothing the converter would type as `any`. */
function prepareSchema(schema: Record<string, unknown>): JsonSchemaObject {
  const context: Context = { root: schema, anchors: collectAnchors(schema), inlining: [], counter: { expansions: 0 } };
  // An object is never rewritten to `false`; `allOf: []` (z.never()) only satisfies the type.
  return prepare(schema, context) || { allOf: [] };
}

function prepare(node: unknown, context: Context): JsonSchemaObject | false {
  if (node === false) return false;
  if (!isRecord(node)) return {}; // `true`, or something that is not a schema: unconstrained
  const ref =
    typeof node['$ref'] === 'string'
      ? node['$ref']
      : typeof node['$dynamicRef'] === 'string'
        ? node['$dynamicRef']
        : undefined;
  if (ref !== undefined) return prepareReference(node, ref, context);

  const out: JsonSchemaObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED.has(key)) continue;
    switch (key) {
      case 'properties':
      case 'patternProperties':
        out[key] = isRecord(value) ? mapValues(value, (v) => prepare(v, context)) : {};
        break;
      case 'additionalProperties':
      case 'additionalItems':
        out[key] = prepare(value, context);
        break;
      case 'items':
        out[key] = Array.isArray(value) ? value.map((v) => prepare(v, context)) : prepare(value, context);
        break;
      case 'prefixItems':
        break; // folded into `items` below
      case 'allOf':
      case 'anyOf':
      case 'oneOf':
        if (Array.isArray(value)) out[key] = value.map((v) => prepare(v, context));
        break;
      case 'format':
        if (typeof value === 'string' && FORMATS.has(value)) out[key] = value;
        break;
      case 'enum':
        if (Array.isArray(value) && value.every(isPrimitive)) out[key] = value;
        break;
      case 'const':
        if (isPrimitive(value)) out[key] = value;
        break;
      default:
        out[key] = value;
    }
  }
  return normalize(out, node, context);
}

/** Shapes the converter handles poorly, rewritten into ones it handles well. */
function normalize(schema: JsonSchemaObject, node: Record<string, unknown>, context: Context): JsonSchemaObject {
  let out = schema;
  // `oneOf` becomes a plain union: a type cannot say "exactly one", and the converter's
  // oneOf code types the value as `any`.
  if (out.oneOf !== undefined) {
    const { oneOf, ...rest } = out;
    out =
      rest.anyOf === undefined
        ? { ...rest, anyOf: oneOf }
        : { ...rest, allOf: [...(rest.allOf ?? []), { anyOf: oneOf }] };
  }
  const types: unknown[] = Array.isArray(out.type) ? out.type : [out.type];
  // An object with no declared members is a record of unknown values, not of `any`.
  if (
    types.includes('object') &&
    out.properties === undefined &&
    out.additionalProperties === undefined &&
    out.patternProperties === undefined
  ) {
    out = { ...out, additionalProperties: {} };
  }
  if (types.includes('array') && !Array.isArray(out.items)) {
    // 2020-12 tuples (prefixItems) are typed loosely: arrays of any of their member types.
    const prefix = Array.isArray(node['prefixItems']) ? node['prefixItems'].map((v) => prepare(v, context)) : [];
    const rest = out.items ?? {};
    out = { ...out, items: prefix.length === 0 ? rest : { anyOf: rest === false ? prefix : [...prefix, rest] } };
  }
  return out;
}

function prepareReference(node: Record<string, unknown>, ref: string, context: Context): JsonSchemaObject | false {
  const { $ref: _ref, $dynamicRef: _dynamicRef, ...siblings } = node;
  const target = resolveLocalRef(ref, context);
  // A recursive schema is cut where it repeats: the inner occurrence is `unknown`.
  if (target === undefined || context.inlining.includes(target)) return prepare(siblings, context);
  if (++context.counter.expansions > MAX_EXPANSIONS) {
    throw new SchemaTooLargeError(
      `its $refs expand to more than ${MAX_EXPANSIONS} schemas; reference shared definitions fewer times`,
    );
  }
  const resolved = prepare(target, { ...context, inlining: [...context.inlining, target] });
  const extra = Object.keys(siblings).filter((key) => !DROPPED.has(key));
  if (extra.length === 0) return resolved;
  const rest = prepare(siblings, context);
  if (resolved === false || rest === false) return false;
  // In 2020-12 a `$ref` applies beside its sibling keywords. Annotations simply override;
  // assertions merge into one schema when that means the same as applying both.
  if (extra.every((key) => ANNOTATIONS.has(key)) || mergeable(resolved, rest)) return { ...resolved, ...rest };
  // Otherwise both apply; the value has the referenced schema's type, so the siblings may say so too.
  const typed =
    rest.type === undefined && resolved.type !== undefined
      ? prepare({ type: resolved.type, ...siblings }, context)
      : rest;
  return { allOf: [resolved, typed === false ? {} : typed] };
}

/** Keywords whose meaning depends on others in the same schema (additionalProperties on properties, ...). */
const CONTEXTUAL = [
  'properties',
  'patternProperties',
  'additionalProperties',
  'items',
  'prefixItems',
  'additionalItems',
];

/** True when no keyword is in both and at most one side has keywords that read their neighbours. */
function mergeable(a: JsonSchemaObject, b: JsonSchemaObject): boolean {
  if (Object.keys(b).some((key) => key in a)) return false;
  return !(CONTEXTUAL.some((key) => key in a) && CONTEXTUAL.some((key) => key in b));
}

/** `#`, `#/json/pointer` (RFC 6901, URI-escaped) or `#anchor`; undefined when it leads nowhere. */
function resolveLocalRef(ref: string, context: Context): unknown {
  if (!ref.startsWith('#')) return undefined;
  const fragment = ref.slice(1);
  if (fragment !== '' && !fragment.startsWith('/')) return context.anchors.get(fragment);
  let node = context.root;
  for (const raw of fragment === '' ? [] : fragment.slice(1).split('/')) {
    const key = safeDecode(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node) && /^\d+$/.test(key)) node = node[Number(key)];
    else if (isRecord(node) && Object.hasOwn(node, key)) node = node[key];
    else return undefined;
  }
  return node;
}

function collectAnchors(root: unknown): Map<string, unknown> {
  const anchors = new Map<string, unknown>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    if (!isRecord(node)) return;
    for (const key of ['$anchor', '$dynamicAnchor']) {
      const name = node[key];
      if (typeof name === 'string' && !anchors.has(name)) anchors.set(name, node);
    }
    Object.values(node).forEach(walk);
  };
  walk(root);
  return anchors;
}

/**
 * Nodes the converter would get wrong: an unconstrained schema becomes `z.unknown()`
 * (not `z.any()`, which would switch off type checking in handlers); a `pattern` is
 * compiled with the `u` flag, as AJV compiles it; and string formats and closed objects
 * use Zod 4's own schemas, since the methods the converter emits for them
 * (`z.string().email()`, `.date()`, ...) are deprecated in Zod 4; so do integers
 * (`z.int()`, which Zod prefers to the legacy `z.number().int()`).
 */
function overrideNode(schema: JsonSchemaObject, refs: Refs): string | undefined {
  if (!SELECTING.some((key) => schema[key] !== undefined)) return withMeta('z.unknown()', schema);
  // `nullable` and value lists are the converter's to wrap; it calls back for the inner schema.
  if (schema.nullable !== undefined || schema.enum !== undefined || schema.const !== undefined) return undefined;
  if (schema.type === 'string') return withMeta(stringSource(schema), schema);
  if (schema.type === 'integer') return withMeta(integerSource(schema), schema);
  if (schema.type === 'object' && schema.additionalProperties === false && schema.patternProperties === undefined) {
    const { additionalProperties: _closed, ...open } = schema;
    const source = parseObject({ ...open, type: 'object', properties: open.properties ?? {} }, refs);
    return withMeta(`z.strictObject(${source.slice(OBJECT.length)}`, schema);
  }
  return undefined;
}

const OBJECT = 'z.object(';
const STRING = 'z.string()';
const NUMBER = 'z.number()';

/** Zod 4's schema for each kept format; each checks what its deprecated `z.string()` method did. */
const FORMAT_SCHEMAS: Readonly<Record<string, string>> = {
  date: 'z.iso.date()',
  'date-time': 'z.iso.datetime({ offset: true })',
  duration: 'z.iso.duration()',
  email: 'z.email()',
  uri: 'z.url()',
  uuid: 'z.uuid()',
};

/** A string schema: its format's own schema (or `z.string()`), the length checks, then the pattern. */
function stringSource(schema: JsonSchemaObject): string {
  const { format, pattern, ...rest } = schema;
  const base = (typeof format === 'string' && FORMAT_SCHEMAS[format]) || STRING;
  const checks = parseString({ ...rest, type: 'string' }).slice(STRING.length);
  return `${base}${checks}${typeof pattern === 'string' ? `.regex(new RegExp(${JSON.stringify(pattern)}, "u"))` : ''}`;
}

/** `z.int()` and the bounds; `multipleOf: 1` and `format: int64` add nothing to an integer. */
function integerSource(schema: JsonSchemaObject): string {
  const { multipleOf, format: _format, ...rest } = schema;
  return `z.int()${parseNumber({ ...rest, ...(multipleOf !== 1 && { multipleOf }), type: 'number' }).slice(NUMBER.length)}`;
}

/** What the converter appends to every node it parses itself (minus defaults). */
function withMeta(code: string, schema: JsonSchemaObject): string {
  const described =
    typeof schema.description === 'string' ? `${code}.describe(${JSON.stringify(schema.description)})` : code;
  return schema.readOnly === true ? `${described}.readonly()` : described;
}

function mapValues<T>(record: Record<string, unknown>, fn: (value: unknown) => T): Record<string, T> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, fn(value)]));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isPrimitive(value: unknown): value is string | number | boolean | null {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
