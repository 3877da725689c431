// The one piece of node:async_hooks the bench Worker uses (workerd provides it under the nodejs_als
// flag, which the bench adds). The project has no Node types, and the app itself needs none.
declare module "node:async_hooks" {
  export class AsyncLocalStorage<T> {
    getStore(): T | undefined;
    run<R>(store: T, callback: () => R): R;
  }
}
