import { emptyRegistry, type AttributeRegistry } from "./attributes/registry.js";
import { configurationError } from "./errors.js";
import { uuidv7 } from "./ids.js";
import { INTERACTION_KINDS, interactionSchemas } from "./model/interaction.js";
import { relationSchemas } from "./model/relation.js";
import type { PhoneRegion } from "./normalise.js";
import type { StorageAdapter } from "./storage.js";

/** Options of {@link createCrm}. */
export interface CrmOptions<R extends AttributeRegistry = AttributeRegistry, Tx = unknown> {
  /** Where the data lives: an adapter such as `sqliteAdapter(...)` or `postgresAdapter(...)`. */
  readonly storage: StorageAdapter<Tx>;
  /**
   * The custom-attribute registry, made with `defineAttributes`; no custom attributes when omitted.
   * Its definitions type `attributes` on every relation and deal, and the filter builder.
   */
  readonly attributes?: R;
  /** Region for phone numbers written without a country code, e.g. `NL`. None when omitted: such numbers are rejected. */
  readonly defaultRegion?: PhoneRegion;
  /** Extra interaction kinds besides the built-in ones, e.g. `["webinar", "visit"]`. */
  readonly interactionKinds?: readonly string[];
  /** The actor recorded when a call does not name one. Default `system`. */
  readonly defaultActor?: string;
  /** The source recorded when a call does not name one. Default `api`. */
  readonly defaultSource?: string;
  /** The clock; replace it in tests. Default `() => new Date()`. */
  readonly clock?: () => Date;
  /** The id generator; default time-ordered UUIDv7. */
  readonly generateId?: () => string;
  /**
   * What creating or changing a relation does when it looks like an existing one (the rules of
   * `tenant.duplicates.check`): `allow` (the default) writes it; `refuse` throws DUPLICATE
   * `likely_duplicate` naming each candidate. A call's own `duplicates` option overrides it.
   */
  readonly duplicates?: DuplicatePolicy;
}

/** What a relation write does when it looks like an existing relation (see {@link CrmOptions.duplicates}). */
export type DuplicatePolicy = "allow" | "refuse";

/** Everything a service needs, built once per CRM instance. */
export interface CrmContext {
  readonly storage: StorageAdapter;
  readonly registry: AttributeRegistry;
  readonly region: PhoneRegion | undefined;
  readonly interactionKinds: readonly string[];
  readonly defaultActor: string;
  readonly defaultSource: string;
  readonly duplicates: DuplicatePolicy;
  readonly now: () => string;
  readonly newId: () => string;
  readonly schemas: {
    readonly relation: ReturnType<typeof relationSchemas>;
    readonly interaction: ReturnType<typeof interactionSchemas>;
  };
}

/** Builds the context; validates the options that could otherwise fail late. */
export function createContext(options: CrmOptions<AttributeRegistry, unknown>): CrmContext {
  if (!options || typeof options.storage?.transaction !== "function") {
    throw configurationError("createCrm: `storage` must be a storage adapter such as sqliteAdapter(...)");
  }
  const clock = options.clock ?? (() => new Date());
  const interactionKinds = [...new Set([...INTERACTION_KINDS, ...(options.interactionKinds ?? [])])];
  return {
    storage: options.storage,
    registry: options.attributes ?? emptyRegistry,
    region: options.defaultRegion,
    interactionKinds,
    defaultActor: options.defaultActor ?? "system",
    defaultSource: options.defaultSource ?? "api",
    duplicates: duplicatePolicyOf(options.duplicates, "createCrm: `duplicates`") ?? "allow",
    now: () => clock().toISOString(),
    newId: options.generateId ?? (() => uuidv7()),
    schemas: {
      relation: relationSchemas(options.defaultRegion),
      interaction: interactionSchemas(interactionKinds),
    },
  };
}

/** A duplicate policy option, checked; undefined when not given. */
export function duplicatePolicyOf(value: unknown, where: string): DuplicatePolicy | undefined {
  if (value === undefined) return undefined;
  if (value === "allow" || value === "refuse") return value;
  throw configurationError(`${where} must be "allow" or "refuse"`);
}
