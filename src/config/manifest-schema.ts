/**
 * The validator of schemas/manifest.schema.json: the build's precompiled one when it was
 * made from the schema file as it is now (see `loadPrecompiled`), else compiled here.
 */
import { readFileSync } from 'node:fs';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import { createAjv, loadPrecompiled, precompiledDigest, type ValidateFunction } from './validator.js';

export const SCHEMA_FILE = new URL('../../../schemas/manifest.schema.json', import.meta.url);
export const MANIFEST_VALIDATOR_FILE = new URL('./manifest-validator.cjs', import.meta.url);

/** How manifests are validated: every error, verbose (messages read the schema), `"3000"` coerced to 3000. */
export function createManifestAjv(options: { source?: boolean } = {}): Ajv2020 {
  return createAjv({ strict: true, coerceTypes: true, verbose: true, ...options });
}

export function manifestValidator(): ValidateFunction {
  const text = readFileSync(SCHEMA_FILE, 'utf8');
  return (
    loadPrecompiled(MANIFEST_VALIDATOR_FILE, precompiledDigest(text)) ??
    createManifestAjv().compile(JSON.parse(text) as Record<string, unknown>)
  );
}
