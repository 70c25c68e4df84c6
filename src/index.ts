export { generateTypes, type WriteTypesOptions, type WrittenTypes, writeTypes } from './commands/types.js';
export { type LoadedManifest, type LoadOptions, loadManifest } from './config/index.js';
export { type ErrorCode, formatError, formatProblems, McpOAuthError, type Problem } from './errors.js';
export type { AuthContext, ToolContext, ToolHandler } from './handlers/types.js';
export type { Manifest, ManifestTool, ResolvedManifest, ResolvedTool } from './manifest.js';
export { type Runtime, type RuntimeOptions, startRuntime } from './runtime/index.js';
