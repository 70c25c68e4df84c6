// The todo example's handlers, served here behind Scalekit.
export * from '../../todo/handlers/todo.js';
