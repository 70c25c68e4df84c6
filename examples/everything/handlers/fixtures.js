// Binary fixtures the conformance suite's scenarios expect, base64-encoded.

/** A 1×1 red PNG pixel (image content, binary resources, prompt images). */
export const PNG_1X1_RED = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';

/** A minimal WAV file (audio content). */
export const WAV_MINIMAL = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';

/** Resolves after `ms`, or rejects as soon as `signal` aborts. */
export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

/** The text of a sampling result, whether its content is one block or a list of blocks. */
export function sampledText(result) {
  const blocks = Array.isArray(result?.content) ? result.content : [result?.content];
  const text = blocks.find((block) => block?.type === 'text');
  return text?.text ?? 'No response';
}
