/**
 * The one owner of AJV. Tool schemas are compiled once per manifest load into a
 * validator set shared by every request (a fresh Ajv per request is what makes
 * SDK-based servers slow).
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { JsonSchemaValidator, jsonSchemaValidator } from '@modelcontextprotocol/server';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const require = createRequire(import.meta.url);
const AJV_VERSION = (require('ajv/package.json') as { version: string }).version;

export type { ErrorObject, ValidateFunction };

/** The JSON Schema 2020-12 meta-schema: Ajv checks every schema against it before compiling. */
export const META_SCHEMA_ID = 'https://json-schema.org/draft/2020-12/schema';
/** Where the build writes the meta-schema check as code (see `loadPrecompiled`). */
export const META_VALIDATOR_FILE = new URL('./meta-schema-validator.cjs', import.meta.url);

/** An Ajv for JSON Schema 2020-12 with formats, reporting every error; `source` keeps the generated code (for standalone validators). */
export function createAjv(options: {
  strict: boolean;
  coerceTypes?: boolean;
  verbose?: boolean;
  source?: boolean;
}): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: true,
    strict: options.strict,
    coerceTypes: options.coerceTypes ?? false,
    verbose: options.verbose ?? false,
    allowUnionTypes: true,
    ...(options.source && { code: { source: true } }),
  });
  addFormats(ajv);
  return ajv;
}

/** The Ajv of tool schemas: not strict, any valid 2020-12 schema is accepted. */
export function createToolAjv(options: { source?: boolean } = {}): Ajv2020 {
  return createAjv({ strict: false, ...options });
}

/**
 * Compiling schemas was most of what Ajv cost at start-up (~100 ms the manifest schema,
 * ~50 ms the meta-schema, per Ajv), so the build writes those validators out as code
 * (scripts/precompile-schemas.mjs), each with the digest of what it was made from.
 * One that is missing (no build step) or does not match is not used, and the schema
 * is compiled as before.
 */
export function loadPrecompiled(file: URL, digest: string): ValidateFunction | undefined {
  let validate: ValidateFunction & { digest?: string };
  try {
    validate = require(fileURLToPath(file)) as typeof validate;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
  return validate.digest === digest ? validate : undefined;
}

/** What ties a precompiled validator to its source: the schema text (or id) and the Ajv version. */
export function precompiledDigest(source: string): string {
  return createHash('sha256').update(`ajv ${AJV_VERSION}\n${source}`).digest('hex');
}

/** Gives Ajv the build's meta-schema check instead of compiling its own; Ajv still runs it on every schema, with the same errors. */
export function withPrecompiledMetaSchema(ajv: Ajv2020): Ajv2020 {
  const meta = ajv.schemas[META_SCHEMA_ID];
  const validate = loadPrecompiled(META_VALIDATOR_FILE, precompiledDigest(META_SCHEMA_ID));
  if (meta && validate) meta.validate = validate;
  return ajv;
}

/** `"/items/0/title" must NOT have fewer than 1 characters; ...` */
export function describeErrors(errors: readonly ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((e) => {
      const where = e.instancePath === '' ? 'arguments' : e.instancePath;
      if (e.keyword === 'required') return `${where} must have property "${String(e.params['missingProperty'])}"`;
      if (e.keyword === 'additionalProperties')
        return `${where} has unknown property "${String(e.params['additionalProperty'])}"`;
      return `${where} ${e.message ?? 'is invalid'}`;
    })
    .join('; ');
}

/**
 * Compiles tool schemas for one manifest load. Each call to `compile` happens at
 * load time; the returned functions are reused for every request.
 */
export class ToolSchemas implements jsonSchemaValidator {
  readonly #ajv = withPrecompiledMetaSchema(createToolAjv());
  readonly #compiled = new Map<object, ValidateFunction>();

  /** Compiles `schema`, throwing Ajv's message when it is not a valid schema. */
  compile(schema: object): ValidateFunction {
    let fn = this.#compiled.get(schema);
    if (!fn) {
      fn = this.#ajv.compile(schema);
      this.#compiled.set(schema, fn);
    }
    return fn;
  }

  /** The SDK's validator seam (`fromJsonSchema`), backed by the compiled set. */
  getValidator<T>(schema: object): JsonSchemaValidator<T> {
    const fn = this.compile(schema);
    return (input: unknown) =>
      fn(input)
        ? { valid: true, data: input as T, errorMessage: undefined }
        : { valid: false, data: undefined, errorMessage: describeErrors(fn.errors) };
  }
}
