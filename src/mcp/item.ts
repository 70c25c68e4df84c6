/** One manifest item (tool, resource, template, prompt), prepared once per load. */
import type { McpServer } from '@modelcontextprotocol/server';

export interface PreparedItem {
  /** `tool:NAME`, `resource:URI`, `template:NAME`, `prompt:NAME`. */
  readonly id: string;
  /** The resolved definition as JSON: equal signatures need no re-registration on reload. */
  readonly signature: string;
  /**
   * Registers the item; the registered callback asks `current()` for the item to run,
   * so a long-lived server reaches the newest handlers of an unchanged item.
   */
  register(server: McpServer, current: () => PreparedItem): { remove(): void };
}
