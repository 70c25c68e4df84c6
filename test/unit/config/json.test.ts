/**
 * parseJson: a JSON manifest's value, or one problem with its line and column. On Node
 * 20 V8 gives no position for some errors; json.ts infers it (see errorOffset).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseJson } from '../../../src/config/json.js';

const FILE = '/srv/app/mcp-oauth.config.json';

describe('parseJson', () => {
  test('valid JSON: its value', () => {
    assert.deepEqual(parseJson(FILE, '{"server": {"name": "x"}, "tools": [1, 2]}'), {
      ok: true,
      value: { server: { name: 'x' }, tools: [1, 2] },
    });
  });

  const cases: { description: string; text: string; line: number; column: number; message: string }[] = [
    {
      description: 'a trailing comma: where the next key should start',
      text: '{\n  "a": 1,\n}',
      line: 3,
      column: 1,
      message: 'JSON syntax: Expected double-quoted property name',
    },
    {
      description: 'a missing comma: at the second value',
      text: '{"a":\n  "b" "c"}',
      line: 2,
      column: 7,
      message: "JSON syntax: Expected ',' or '}' after property value",
    },
    {
      description: 'an unclosed object: at the end',
      text: '{\n  "a": 1\n',
      line: 3,
      column: 1,
      message: "JSON syntax: Expected ',' or '}' after property value",
    },
    {
      description: 'text ending inside a value: at the end',
      text: '{\n  "a": ',
      line: 2,
      column: 8,
      message: 'JSON syntax: Unexpected end of JSON input',
    },
    {
      description: 'empty text: at the start',
      text: '',
      line: 1,
      column: 1,
      message: 'JSON syntax: Unexpected end of JSON input',
    },
    {
      description: 'an unexpected token: where it stands',
      text: '{"a": tru}',
      line: 1,
      column: 10,
      message: 'JSON syntax: Unexpected token \'}\', "{"a": tru}" is not valid JSON',
    },
  ];
  for (const { description, text, line, column, message } of cases) {
    test(description, () => {
      assert.deepEqual(parseJson(FILE, text), {
        ok: false,
        problems: [{ file: FILE, path: '', line, column, message }],
      });
    });
  }
});
