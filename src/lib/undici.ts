/**
 * The two parts of undici 7 the sidecar uses, `Agent` and `request`, loaded from their own files
 * instead of the package index. The index also loads fetch, WebSocket, EventSource, the cache
 * stores, the interceptors and the mock agents — about 5 MiB of RSS and 100 ms of start-up that
 * polling never uses (docs/performance.md). undici 7 has no `exports` map, so these paths resolve;
 * `test/integration/undici.test.ts` fails if they stop being the very classes and function the index
 * exports, so an upgrade that moves them is caught before it ships.
 *
 * `request(url, options)` is the index's `request` for what this project passes: an absolute URL
 * (origin, then path with its query) and a `dispatcher`, which is required here (never the global
 * one). Any `Dispatcher` works, including an index `Agent` or a `MockAgent` from a test.
 */
import { createRequire } from 'node:module';
import type * as Undici from 'undici';
import type { Dispatcher } from 'undici';

const require = createRequire(import.meta.url);

export const Agent = require('undici/lib/dispatcher/agent.js') as typeof Undici.Agent;

const apiRequest = require('undici/lib/api/api-request.js') as (
  this: Dispatcher,
  opts: Dispatcher.RequestOptions,
) => Promise<Dispatcher.ResponseData>;

export type RequestOptions = Omit<Dispatcher.RequestOptions, 'origin' | 'path' | 'method'> & {
  readonly dispatcher: Dispatcher;
  readonly method?: Dispatcher.HttpMethod;
};

export function request(url: URL, options: RequestOptions): Promise<Dispatcher.ResponseData> {
  const { dispatcher, ...rest } = options;
  return apiRequest.call(dispatcher, {
    ...rest,
    origin: url.origin,
    path: url.search ? `${url.pathname}${url.search}` : url.pathname,
    method: options.method ?? 'GET',
  });
}
