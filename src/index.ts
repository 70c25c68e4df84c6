export { generateTypes, writeTypes, type WriteTypesOptions, type WrittenTypes } from './commands/types.js';
export { loadManifest, type LoadOptions, type LoadedManifest } from './config/index.js';
export { McpOAuthError, formatError, formatProblems, type ErrorCode, type Problem } from './errors.js';
export type { AuthContext, ToolContext, ToolHandler } from './handlers/types.js';
export type { Manifest, ManifestTool, ResolvedManifest, ResolvedTool } from './manifest.js';
export { startRuntime, type Runtime, type RuntimeOptions } from './runtime/index.js';
