/**
 * Reading a small secret file (a token) that someone else controls the type and size of: opened
 * without blocking (a FIFO with no writer would otherwise hang the open), refused unless it is a
 * regular file (after symlinks, as projected volumes use them) of at most `maxBytes`, and read
 * within a deadline. Failures are `FileLimitError`s whose message names the problem, never content.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';

export class FileLimitError extends Error {
  /** `ENOENT`, `EACCES`…, or `not_regular`, `too_large`, `timeout`. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'FileLimitError';
    this.code = code;
  }
}

const FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

function kind(s: Stats): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a FIFO';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Throws unless `s` is a regular file of at most `maxBytes`. */
function check(s: Stats, maxBytes: number): void {
  if (!s.isFile()) throw new FileLimitError('not_regular', `is ${kind(s)}, not a regular file`);
  if (s.size > maxBytes)
    throw new FileLimitError('too_large', `is ${s.size} bytes; the limit is ${maxBytes}`);
}

function openFailure(err: unknown): FileLimitError {
  const code = (err as { code?: unknown }).code;
  const c = typeof code === 'string' ? code : 'EIO';
  return new FileLimitError(c, `cannot be read (${c})`);
}

const grew = (maxBytes: number) =>
  new FileLimitError('too_large', `grew past the limit of ${maxBytes} bytes while being read`);

/** Reads `path` as UTF-8, or throws a `FileLimitError`; `signal` bounds the whole read. */
export async function readBoundedFile(
  path: string,
  maxBytes: number,
  signal: AbortSignal,
): Promise<string> {
  return withDeadline(
    (async () => {
      let handle: Awaited<ReturnType<typeof open>>;
      try {
        handle = await open(path, FLAGS);
      } catch (err) {
        throw openFailure(err);
      }
      try {
        check(await handle.stat(), maxBytes);
        // One byte more than allowed tells a file that grew since fstat from one that did not.
        const buf = Buffer.alloc(maxBytes + 1);
        let size = 0;
        while (size < buf.length) {
          const { bytesRead } = await handle.read(buf, size, buf.length - size, null);
          if (bytesRead === 0) break;
          size += bytesRead;
          if (signal.aborted) break;
        }
        if (size > maxBytes) throw grew(maxBytes);
        return buf.subarray(0, size).toString('utf8');
      } finally {
        await handle.close().catch(() => {});
      }
    })(),
    signal,
  );
}

/**
 * `work`, or a `FileLimitError` with code `timeout` as soon as `signal` aborts: a read stuck in
 * the thread pool (a hung network filesystem) is left behind instead of waited for.
 */
export function withDeadline<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  let onAbort = (): void => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new FileLimitError('timeout', 'was not read within the deadline'));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  work.catch(() => {});
  return Promise.race([work, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
}

/** The synchronous form, for configuration read once before anything starts; also returns the mode. */
export function readBoundedFileSync(
  path: string,
  maxBytes: number,
): { text: string; mode: number } {
  let fd: number;
  try {
    fd = openSync(path, FLAGS);
  } catch (err) {
    throw openFailure(err);
  }
  try {
    const stats = fstatSync(fd);
    check(stats, maxBytes);
    const buf = Buffer.alloc(maxBytes + 1);
    let size = 0;
    while (size < buf.length) {
      const n = readSync(fd, buf, size, buf.length - size, null);
      if (n === 0) break;
      size += n;
    }
    if (size > maxBytes) throw grew(maxBytes);
    return { text: buf.subarray(0, size).toString('utf8'), mode: stats.mode };
  } finally {
    closeSync(fd);
  }
}
