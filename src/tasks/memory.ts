/** Tasks kept in this process: without a shared store, the process that runs a task is the one that answers for it. */
import { type TaskChange, type TaskRecord, type TaskStore, TERMINAL } from './record.js';

export function memoryTasks(): TaskStore {
  const tasks = new Map<string, TaskRecord>();
  const expiry = new Map<string, NodeJS.Timeout>();
  const live = (owner?: string) =>
    [...tasks.values()].filter((t) => !TERMINAL.has(t.status) && (owner === undefined || t.owner === owner)).length;
  return {
    async create(task, caps) {
      if (live() >= caps.maxLive) return 'all';
      if (live(task.owner) >= caps.maxLivePerCaller) return 'caller';
      tasks.set(task.id, task);
      const timer = setTimeout(() => {
        tasks.delete(task.id);
        expiry.delete(task.id);
      }, task.ttlMs);
      timer.unref();
      expiry.set(task.id, timer);
      return undefined;
    },
    get: async (id) => tasks.get(id),
    async change(id, change: TaskChange) {
      const task = tasks.get(id);
      if (!task || TERMINAL.has(task.status)) return false;
      const { result: _r, error: _e, statusMessage: _m, ...rest } = task;
      const next: TaskRecord = {
        ...rest,
        ...change,
        inputRequests: change.status === 'input_required' ? change.inputRequests : {},
        lastUpdatedAt: Date.now(),
      };
      tasks.set(id, next);
      return true;
    },
    async answer(id, responses) {
      const task = tasks.get(id);
      if (!task || TERMINAL.has(task.status)) return undefined;
      if (task.status !== 'input_required') return { ready: false };
      const answered = Object.keys(responses).filter((key) => key in task.inputRequests);
      if (answered.length === 0) return { ready: false };
      const answers = { ...task.answers };
      const inputRequests = { ...task.inputRequests };
      for (const key of answered) {
        answers[key] = responses[key];
        delete inputRequests[key];
      }
      const ready = Object.keys(inputRequests).length === 0;
      tasks.set(id, {
        ...task,
        answers,
        inputRequests,
        ...(ready && { status: 'working' as const }),
        lastUpdatedAt: Date.now(),
      });
      return { ready };
    },
    async renew() {},
    held: async () => true,
    close() {
      for (const timer of expiry.values()) clearTimeout(timer);
      expiry.clear();
      tasks.clear();
    },
  };
}
