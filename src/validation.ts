/**
 * The one owner of AJV. Tool schemas are compiled once per manifest load into a
 * validator set shared by every request (a fresh Ajv per request is what makes
 * SDK-based servers slow).
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { JsonSchemaValidator, jsonSchemaValidator } from '@modelcontextprotocol/server';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

export type { ErrorObject };

/** An Ajv for JSON Schema 2020-12 with formats, reporting every error. */
export function createAjv(options: { strict: boolean; coerceTypes?: boolean; verbose?: boolean }): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: true, strict: options.strict, coerceTypes: options.coerceTypes ?? false, verbose: options.verbose ?? false, allowUnionTypes: true,
  });
  addFormats(ajv);
  return ajv;
}

/** `"/items/0/title" must NOT have fewer than 1 characters; ...` */
export function describeErrors(errors: readonly ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((e) => {
      const where = e.instancePath === '' ? 'arguments' : e.instancePath;
      if (e.keyword === 'required') return `${where} must have property "${String(e.params['missingProperty'])}"`;
      if (e.keyword === 'additionalProperties') return `${where} has unknown property "${String(e.params['additionalProperty'])}"`;
      return `${where} ${e.message ?? 'is invalid'}`;
    })
    .join('; ');
}

/**
 * Compiles tool schemas for one manifest load. Each call to `compile` happens at
 * load time; the returned functions are reused for every request.
 */
export class ToolSchemas implements jsonSchemaValidator {
  readonly #ajv = createAjv({ strict: false });
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
