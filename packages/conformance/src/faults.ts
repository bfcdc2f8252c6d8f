import type { StorageAdapter, TenantStore } from "@kaartenbak/core/storage";

/** Thrown by {@link faultyStorage} at the chosen call. */
export class InjectedFault extends Error {
  constructor(call: number) {
    super(`injected fault at storage call ${call}`);
    this.name = "InjectedFault";
  }
}

/**
 * Wraps a storage adapter so that the `failAt`-th repository call inside a transaction throws
 * right AFTER the real call has run: the write has happened and then the process "crashes". The
 * transaction must roll it back. `calls()` reports how many repository calls were made, so a test
 * can first count them with `failAt: Infinity` and then fail at each one in turn.
 */
export function faultyStorage(storage: StorageAdapter, failAt: number): { storage: StorageAdapter; calls(): number } {
  let count = 0;
  const wrapRepo = <R extends object>(repo: R): R =>
    new Proxy(repo, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (typeof value !== "function") return value;
        return async (...args: unknown[]) => {
          const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          count++;
          if (count === failAt) throw new InjectedFault(count);
          return result;
        };
      },
    });
  const wrapped: StorageAdapter = {
    id: storage.id,
    capabilities: storage.capabilities,
    migrate: () => storage.migrate(),
    close: () => storage.close(),
    // A bound copy counts its steps apart; fault tests inject into the adapter they were given.
    bind: (transaction) => faultyStorage(storage.bind(transaction), failAt).storage,
    transaction: (tenantId, fn, options) =>
      storage.transaction(
        tenantId,
        (store) => {
          // Every repository is wrapped, so repositories added later are covered without a change here.
          const proxied = Object.fromEntries(
            Object.entries(store).map(([key, value]) => [key, value !== null && typeof value === "object" ? wrapRepo(value) : value]),
          ) as unknown as TenantStore;
          return fn(proxied);
        },
        options,
      ),
  };
  return { storage: wrapped, calls: () => count };
}
