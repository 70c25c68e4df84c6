// Todo handlers: an in-memory list per subject (the token's `sub`).
import { randomUUID } from 'node:crypto';

/** @typedef {import('mcp-serve').ToolContext} ToolContext */

const lists = new Map();

/** @param {ToolContext} ctx */
function listOf(ctx) {
  const owner = ctx.auth?.subject ?? 'anonymous';
  if (!lists.has(owner)) lists.set(owner, new Map());
  return lists.get(owner);
}

function find(ctx, id) {
  const todo = listOf(ctx).get(id);
  if (!todo) throw new Error(`No todo with id ${id}`);
  return todo;
}

/** @param {{ title: string, due?: string }} input @param {ToolContext} ctx */
export function createTodo(input, ctx) {
  const todo = { id: randomUUID(), title: input.title, done: false, ...(input.due && { due: input.due }) };
  listOf(ctx).set(todo.id, todo);
  return todo;
}

/** @param {{ done?: boolean }} input @param {ToolContext} ctx */
export function listTodos(input, ctx) {
  const todos = [...listOf(ctx).values()].filter((t) => input.done === undefined || t.done === input.done);
  return { todos };
}

/** @param {{ id: string }} input @param {ToolContext} ctx */
export function getTodo(input, ctx) {
  return find(ctx, input.id);
}

/** @param {{ id: string, title?: string, done?: boolean }} input @param {ToolContext} ctx */
export function updateTodo(input, ctx) {
  const todo = find(ctx, input.id);
  if (input.title !== undefined) todo.title = input.title;
  if (input.done !== undefined) todo.done = input.done;
  return todo;
}

/** @param {{ id: string }} input @param {ToolContext} ctx */
export function deleteTodo(input, ctx) {
  find(ctx, input.id);
  listOf(ctx).delete(input.id);
  return `Deleted ${input.id}`;
}
