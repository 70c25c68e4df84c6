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
    {
      description: 'an unexpected token that also stands earlier: where it is unexpected, not its first place',
      text: '[1,\n 2,,\n]',
      line: 2,
      column: 4,
      message: 'JSON syntax: Unexpected token \',\', "[1,\\n 2,,\\n]" is not valid JSON',
    },
    {
      description: 'an unexpected token inside a string is skipped when locating it',
      text: '{"a": "}", "b": }',
      line: 1,
      column: 17,
      message: 'JSON syntax: Unexpected token \'}\', "{"a": "}", "b": }" is not valid JSON',
    },
    {
      description: 'text after the document: located, without the position in the message',
      text: '{"a":1} x',
      line: 1,
      column: 9,
      message: 'JSON syntax: Unexpected non-whitespace character after JSON',
    },
    {
      description: 'a bad escape: located, without the position in the message',
      text: '{"a": "\\q"}',
      line: 1,
      column: 9,
      message: 'JSON syntax: Bad escaped character',
    },
    {
      description: 'a literal cut short by the end: at the end',
      text: '[nul',
      line: 1,
      column: 5,
      message: 'JSON syntax: Unexpected end of JSON input',
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
