/**
 * Safe parsing of YAML manifest text, and locating a JSON path in manifest text (JSON
 * or YAML) as line:column for messages. JSON is parsed in json.ts: a valid JSON
 * manifest never loads the YAML parser.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument, visit } from 'yaml';
import type { Problem } from '../errors.js';

/** Beyond this many alias expansions a document is treated as an alias bomb. */
const MAX_ALIAS_COUNT = 100;

export type ParseResult = { ok: true; value: unknown } | { ok: false; problems: Problem[] };

/** Parses YAML, refusing duplicate keys, merge keys (`<<`) and alias bombs. */
export function parseYaml(file: string, text: string): ParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, merge: false, prettyErrors: false });
  const problems: Problem[] = doc.errors.map((error) => {
    const pos = lineCounter.linePos(error.pos[0]);
    return { file, path: '', line: pos.line, column: pos.col, message: `YAML syntax: ${firstLine(error.message)}` };
  });
  let firstAlias: number | undefined;
  visit(doc, {
    Alias(_key, alias) {
      firstAlias ??= alias.range?.[0];
    },
    Pair(_key, pair) {
      if (isScalar(pair.key) && pair.key.value === '<<') {
        const pos = lineCounter.linePos(pair.key.range?.[0] ?? 0);
        problems.push({
          file,
          path: '',
          line: pos.line,
          column: pos.col,
          message: 'YAML merge keys (<<) are not supported in a manifest; write the keys out where they are used',
        });
      }
    },
  });
  if (problems.length > 0) return { ok: false, problems };
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (error) {
    const pos = lineCounter.linePos(firstAlias ?? 0);
    return {
      ok: false,
      problems: [
        {
          file,
          path: '',
          line: pos.line,
          column: pos.col,
          message: `YAML aliases expand too far (${firstLine(String((error as Error).message))}); a manifest may reuse a node through aliases at most ${MAX_ALIAS_COUNT} times`,
        },
      ],
    };
  }
}

/**
 * Returns a function that finds where a JSON path (`['tools', 1, 'name']`) is written
 * in the text. With `key: true` it points at the key rather than the value (for
 * unknown-key problems). Works for JSON and YAML since JSON is YAML.
 */
export function createLocator(
  text: string,
): (path: readonly (string | number)[], key?: boolean) => { line: number; column: number } | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, merge: false, prettyErrors: false });
  return (path, key = false) => {
    let node: Node | null | undefined = doc.contents as Node | null;
    let keyNode: Node | undefined;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) break;
        keyNode = pair.key as Node;
        node = pair.value as Node | null;
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment] as Node | undefined;
        keyNode = undefined;
      } else break;
    }
    const target = key && keyNode ? keyNode : (node ?? keyNode);
    const offset = target?.range?.[0];
    if (offset === undefined) return undefined;
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
