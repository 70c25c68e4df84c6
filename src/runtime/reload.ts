/** What a reload changed, for the one line it prints (pure). */
import type { ResolvedManifest } from '../manifest.js';

/** The manifest's lists of named items, in the order the reload line names them. */
export const SECTIONS = ['tools', 'prompts', 'resources', 'resourceTemplates'] as const;
export type Section = (typeof SECTIONS)[number];

export interface ItemChanges {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** Items whose definition (schemas, scopes, handler, ...) differs. */
  readonly changed: readonly string[];
}

export type ManifestChanges = Readonly<Record<Section, ItemChanges>> & {
  /** Other sections that differ: server, http, auth, resource. */
  readonly settings: readonly string[];
};

/** A handler module with the local files it is made of (itself and what it imports), and where the manifest names it. */
export interface HandlerGraph {
  /** As in `LoadedManifest.handlerModules`, e.g. `['prompts', 0, 'complete', 'language']`. */
  readonly path: readonly (string | number)[];
  readonly files: readonly string[];
}

/** Items are told apart by what clients address them by: a resource by its URI, the rest by name. */
const identity = (section: Section, item: { name: string; uri?: string }): string =>
  section === 'resources' ? item.uri! : item.name;

export function diffManifests(before: ResolvedManifest, after: ResolvedManifest): ManifestChanges {
  const items = (section: Section): ItemChanges => {
    const old = new Map<string, string>(before[section].map((item) => [identity(section, item), JSON.stringify(item)]));
    const now = new Map<string, string>(after[section].map((item) => [identity(section, item), JSON.stringify(item)]));
    return {
      added: [...now.keys()].filter((id) => !old.has(id)),
      removed: [...old.keys()].filter((id) => !now.has(id)),
      changed: [...now].filter(([id, json]) => old.has(id) && old.get(id) !== json).map(([id]) => id),
    };
  };
  const settings = ['server', 'http', 'auth', 'resource'] as const;
  return {
    tools: items('tools'),
    prompts: items('prompts'),
    resources: items('resources'),
    resourceTemplates: items('resourceTemplates'),
    settings: settings.filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key])),
  };
}

/** Whether a list changed, so that clients must be told (`notifications/<list>/list_changed`). */
export function listChanged(c: ItemChanges): boolean {
  return c.added.length + c.removed.length + c.changed.length > 0;
}

/**
 * The items of `manifest` whose code changed: one of `changedFiles` is among the files
 * of one of their handlers (a completion handler counts for its prompt or template).
 */
export function codeChanges(
  manifest: ResolvedManifest,
  graphs: readonly HandlerGraph[],
  changedFiles: readonly string[],
): Record<Section, string[]> {
  const changed = new Set(changedFiles);
  const found: Record<Section, Set<string>> = {
    tools: new Set(),
    prompts: new Set(),
    resources: new Set(),
    resourceTemplates: new Set(),
  };
  for (const { path, files } of graphs) {
    const [section, index] = path as [Section, number];
    const item = manifest[section][index];
    if (item && files.some((file) => changed.has(file))) found[section].add(identity(section, item));
  }
  return {
    tools: [...found.tools],
    prompts: [...found.prompts],
    resources: [...found.resources],
    resourceTemplates: [...found.resourceTemplates],
  };
}

/**
 * `reloaded in 84 ms (handlers/prompts.js changed): prompts ~review`, or, for a burst of
 * files and manifest edits, `reloaded in 42 ms (mcp-oauth.config.json +1 more changed):
 * tools +add_note ~create_todo; auth changed`. `code` marks items whose handler code
 * changed; `files` are the changed files as the user should read them.
 */
export function describeReload(
  c: ManifestChanges,
  code: Readonly<Record<Section, readonly string[]>>,
  files: readonly string[],
  ms: number,
): string {
  const lists = SECTIONS.flatMap((section) => {
    const { added, removed, changed } = c[section];
    const edited = [...new Set([...changed, ...code[section].filter((id) => !added.includes(id))])];
    const marks = [...added.map((id) => `+${id}`), ...removed.map((id) => `-${id}`), ...edited.map((id) => `~${id}`)];
    return marks.length > 0 ? [`${section} ${marks.join(' ')}`] : [];
  });
  const parts = [...lists, ...c.settings.map((s) => `${s} changed`)];
  const trigger =
    files.length === 0 ? '' : ` (${files[0]}${files.length > 1 ? ` +${files.length - 1} more` : ''} changed)`;
  return `reloaded in ${Math.round(ms)} ms${trigger}: ${parts.length > 0 ? parts.join('; ') : 'nothing changed'}`;
}
