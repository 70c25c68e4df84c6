/** What a reload changed, for the one line it prints (pure). */
import type { ResolvedManifest } from './manifest.js';

export interface ManifestChanges {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** Tools whose definition (schemas, scopes, handler, ...) differs. */
  readonly changed: readonly string[];
  /** Other sections that differ: server, http, auth, resource, resources, resourceTemplates, prompts. */
  readonly settings: readonly string[];
}

export function diffManifests(before: ResolvedManifest, after: ResolvedManifest): ManifestChanges {
  const old = new Map(before.tools.map((t) => [t.name, JSON.stringify(t)]));
  const now = new Map(after.tools.map((t) => [t.name, JSON.stringify(t)]));
  const sections = ['server', 'http', 'auth', 'resource', 'resources', 'resourceTemplates', 'prompts'] as const;
  return {
    added: [...now.keys()].filter((name) => !old.has(name)),
    removed: [...old.keys()].filter((name) => !now.has(name)),
    changed: [...now].filter(([name, json]) => old.has(name) && old.get(name) !== json).map(([name]) => name),
    settings: sections.filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key])),
  };
}

/** Whether clients must be told that the tool list changed. */
export function toolListChanged(c: ManifestChanges): boolean {
  return c.added.length + c.removed.length + c.changed.length > 0;
}

/** `reloaded in 42 ms: +add_note -old_tool ~create_todo; auth changed` */
export function describeReload(c: ManifestChanges, ms: number): string {
  const tools = [...c.added.map((n) => `+${n}`), ...c.removed.map((n) => `-${n}`), ...c.changed.map((n) => `~${n}`)];
  const parts = [tools.length > 0 ? `tools ${tools.join(' ')}` : 'tools unchanged', ...c.settings.map((s) => `${s} changed`)];
  return `reloaded in ${Math.round(ms)} ms: ${parts.join('; ')}`;
}
