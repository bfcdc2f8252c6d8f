import type { Compilable, CompiledQuery, Kysely } from "kysely";
import type { KyselyDatabase } from "./schema.js";

/**
 * A query of fixed shape, compiled once and then run with new parameter values. Building a Kysely
 * query (immutable operation nodes, frozen at every step) and compiling it costs far more than
 * running a short indexed statement on SQLite, so the hot reads (one relation, one timeline page)
 * are built once per storage and only their parameters change per call.
 *
 * The builder receives one placeholder per argument; the compiled parameter list remembers which
 * positions hold which argument (a placeholder may appear several times, e.g. the tenant in every
 * subquery) and which hold constants the builder added itself (e.g. a `limit`).
 */
export interface CompiledShape<A extends readonly unknown[], R> {
  /** Runs the statement on `db` (the storage's connection or the open transaction) with `args`. */
  execute(db: Kysely<KyselyDatabase>, args: A): Promise<R[]>;
}

/** A placeholder value no caller can pass: the text rule refuses U+0000 in every stored or looked-up string. */
const placeholder = (index: number) => `\u0000kb-arg-${index}\u0000`;

type Slot = { readonly arg: number } | { readonly value: unknown };

/**
 * Compiles `build(placeholders)` on first use and reuses the SQL text. `db` only provides the
 * compiler (dialect and plugins such as the schema name); the compiled text is the same on the
 * storage's root connection and on any transaction of it, so one shape serves both.
 */
export function compiledShape<A extends readonly unknown[], R>(
  arity: A["length"],
  build: (db: Kysely<KyselyDatabase>, ...placeholders: string[]) => Compilable<R>,
): CompiledShape<A, R> {
  let compiled: { readonly query: CompiledQuery<R>; readonly slots: readonly Slot[] } | undefined;
  return {
    async execute(db, args) {
      if (!compiled) {
        const names = Array.from({ length: arity }, (_, i) => placeholder(i));
        const query = build(db, ...names).compile();
        const slots = query.parameters.map((value): Slot => {
          const arg = typeof value === "string" ? names.indexOf(value) : -1;
          return arg >= 0 ? { arg } : { value };
        });
        compiled = { query, slots };
      }
      const { query, slots } = compiled;
      const parameters = slots.map((slot) => ("arg" in slot ? args[slot.arg] : slot.value));
      const result = await db.executeQuery<R>({ ...query, parameters });
      return result.rows;
    },
  };
}

/**
 * The compiled shapes of one storage, by name. A storage's queries all compile alike (same
 * dialect, same schema), so each shape is compiled once per storage rather than per call; the
 * cache lives as long as the storage and is shared by every tenant and transaction of it.
 */
export class ShapeCache {
  readonly #shapes = new Map<string, CompiledShape<readonly unknown[], unknown>>();

  /** The shape named `name`, created by `make` on first use. */
  get<A extends readonly unknown[], R>(name: string, make: () => CompiledShape<A, R>): CompiledShape<A, R> {
    let shape = this.#shapes.get(name);
    if (!shape) {
      shape = make() as unknown as CompiledShape<readonly unknown[], unknown>;
      this.#shapes.set(name, shape);
    }
    return shape as unknown as CompiledShape<A, R>;
  }
}
