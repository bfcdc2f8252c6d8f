import { createHash } from "node:crypto";
import * as z from "zod";
import { CrmError, type ValidationIssue } from "../errors.js";
import { calendarDateSchema, textSchema } from "../model/common.js";
import { amountSchema, currencySchema } from "../model/money.js";
import type { RelationKind } from "../model/relation-kind.js";

/**
 * The attribute registry ("kenmerken"): the tenant's agreed data model for custom fields,
 * defined in code, versioned, and checked at every write. A change of the definitions must come
 * with a new `version`; the SDK refuses a changed model under an old version number.
 */

/**
 * What an attribute can be defined for: a relation kind, or `deal`. An attribute without
 * `appliesTo` applies to every relation kind and not to deals, so registries written before deals
 * existed keep their meaning.
 */
export type AttributeTarget = RelationKind | "deal";

interface AttributeBase {
  /** Human-readable name for forms and reports. */
  readonly label?: string;
  /** The relation kinds (and/or `deal`) this attribute applies to; every relation kind when omitted. */
  readonly appliesTo?: readonly AttributeTarget[];
  /** When true, a relation of an applicable kind (or a deal, if it applies to deals) must carry a value. Default false. */
  readonly required?: boolean;
  /**
   * When true, two relations with the same value of this attribute (e.g. a chamber-of-commerce or
   * VAT number) are exact duplicate candidates. Only string and number attributes take part.
   */
  readonly identifying?: boolean;
}

/** A text attribute. */
export interface StringAttribute extends AttributeBase {
  readonly type: "string";
  /** Maximum length in characters. Default 1000. */
  readonly maxLength?: number;
}
/** A numeric attribute. */
export interface NumberAttribute extends AttributeBase {
  readonly type: "number";
  /** When true, only whole numbers are accepted. */
  readonly integer?: boolean;
  /** Inclusive lower bound. */
  readonly min?: number;
  /** Inclusive upper bound. */
  readonly max?: number;
}
/** A yes/no attribute. */
export interface BooleanAttribute extends AttributeBase {
  readonly type: "boolean";
}
/** A calendar date attribute (`YYYY-MM-DD`). */
export interface DateAttribute extends AttributeBase {
  readonly type: "date";
}
/** One of a fixed list of values. */
export interface EnumAttribute extends AttributeBase {
  readonly type: "enum";
  /** The allowed values. */
  readonly values: readonly [string, ...string[]];
}
/** An amount of money: integer minor units plus an ISO 4217 currency. */
export interface MoneyAttribute extends AttributeBase {
  readonly type: "money";
  /** Restricts the accepted currencies. */
  readonly currencies?: readonly string[];
}

/** The definition of one custom attribute. */
export type AttributeDefinition = StringAttribute | NumberAttribute | BooleanAttribute | DateAttribute | EnumAttribute | MoneyAttribute;

/** Money as stored: an integer number of minor units (cents) and an ISO 4217 currency code. */
export interface Money {
  /** Integer minor units, e.g. 1250 for EUR 12.50. */
  readonly amount: number;
  /** ISO 4217 code, upper case, e.g. `EUR`. */
  readonly currency: string;
}

/** A value any attribute can hold. */
export type AttributeValue = string | number | boolean | Money;

/** A relation's custom attribute values by attribute name. */
export type AttributeValues = Readonly<Record<string, AttributeValue>>;

/** The TypeScript type of the values of one attribute definition. */
export type ValueOf<D extends AttributeDefinition> = D extends EnumAttribute
  ? D["values"][number]
  : D extends MoneyAttribute
    ? Money
    : D extends NumberAttribute
      ? number
      : D extends BooleanAttribute
        ? boolean
        : string;

/** True when an attribute definition applies to some relation kind (no `appliesTo` means every kind). */
type ForRelations<D> = D extends { readonly appliesTo: readonly (infer T)[] } ? ([Extract<T, RelationKind>] extends [never] ? false : true) : true;
/** True when an attribute definition applies to deals (only when `appliesTo` names `deal`). */
type ForDeals<D> = D extends { readonly appliesTo: readonly (infer T)[] } ? ([Extract<T, "deal">] extends [never] ? false : true) : false;

/**
 * The custom attributes a relation carries under registry `R`: each attribute that applies to a
 * relation kind, optional, typed by its definition. With the untyped `AttributeRegistry` this is a
 * record of {@link AttributeValue}s.
 */
export type RelationAttributes<R extends AttributeRegistry> = string extends keyof R["attributes"]
  ? AttributeValues
  : { -readonly [K in keyof R["attributes"] as ForRelations<R["attributes"][K]> extends true ? K : never]?: ValueOf<R["attributes"][K]> };

/** The custom attributes a deal carries under registry `R`: the attributes whose `appliesTo` names `deal`. */
export type DealAttributes<R extends AttributeRegistry> = string extends keyof R["attributes"]
  ? AttributeValues
  : { -readonly [K in keyof R["attributes"] as ForDeals<R["attributes"][K]> extends true ? K : never]?: ValueOf<R["attributes"][K]> };

/**
 * Attribute values as a write accepts them: any subset, `null` clears a value. Without attributes
 * only the empty object is accepted (an empty `{}` type would accept any object).
 */
export type AttributeInput<A> = [keyof A] extends [never] ? { readonly [key: string]: never } : { readonly [K in keyof A]?: A[K] | null };

/** The attribute values a registry accepts, for typing host code: `InferAttributes<typeof registry>`. */
export type InferAttributes<R extends AttributeRegistry> = {
  -readonly [K in keyof R["attributes"]]?: ValueOf<R["attributes"][K]>;
};

/** A versioned set of attribute definitions, made with {@link defineAttributes}. */
export interface AttributeRegistry<A extends Readonly<Record<string, AttributeDefinition>> = Readonly<Record<string, AttributeDefinition>>> {
  /** The model version; raise it whenever `attributes` changes. */
  readonly version: number;
  /**
   * The definitions by attribute name. From {@link defineAttributes} this is an object without a
   * prototype, so `attributes["constructor"]` is a definition or undefined, never
   * `Object.prototype.constructor` (use `Object.keys`, `Object.entries` or `in`; it has no
   * `hasOwnProperty` method of its own).
   */
  readonly attributes: A;
  /** A SHA-256 over the canonical definitions, used to detect a changed model under an old version. */
  readonly fingerprint: string;
}

const NAME = /^[a-z][a-zA-Z0-9_]{0,62}$/;
const TYPES: readonly AttributeDefinition["type"][] = ["string", "number", "boolean", "date", "enum", "money"];

/**
 * Defines the attribute registry. Names are camelCase or snake_case identifiers; the version is a
 * positive integer.
 *
 * Names of `Object.prototype` members (`constructor`, `toString`, `valueOf`, `hasOwnProperty`, …)
 * are ordinary names: the SDK looks attributes up as own keys only ({@link attributeDefinition}),
 * so they work like any other, and an input naming one that the registry lacks is an unknown
 * attribute. `__proto__` can never be a name (a name starts with a lower-case letter).
 *
 * @example
 * const attributes = defineAttributes({ version: 1, attributes: {
 *   industry: { type: "enum", values: ["retail", "finance"], appliesTo: ["organisation"] },
 *   creditLimit: { type: "money", currencies: ["EUR"] },
 * } });
 */
export function defineAttributes<const A extends Readonly<Record<string, AttributeDefinition>>>(definition: {
  version: number;
  attributes: A;
}): AttributeRegistry<A> {
  // Every mistake in the definition is reported at once, as one CONFIGURATION error.
  const issues: ValidationIssue[] = [];
  if (!Number.isInteger(definition.version) || definition.version < 1) {
    issues.push({ path: ["version"], message: `Expected a positive integer, got ${definition.version}`, code: "invalid_version" });
  }
  // A registry built at run time (e.g. from JSON) may hold anything: every entry is checked as
  // unknown, so a malformed one is a CONFIGURATION error, never a TypeError.
  const attributes: unknown = definition.attributes;
  if (typeof attributes !== "object" || attributes === null || Array.isArray(attributes)) {
    issues.push({ path: ["attributes"], message: "Expected an object of attribute definitions by name", code: "invalid_type" });
  } else {
    for (const [name, def] of Object.entries(attributes as Record<string, unknown>)) {
      const type = typeof def === "object" && def !== null ? (def as { type?: unknown }).type : undefined;
      if (!NAME.test(name))
        issues.push({
          path: ["attributes", name],
          message: `Invalid attribute name ${JSON.stringify(name)}: use a camelCase or snake_case identifier`,
          code: "invalid_name",
        });
      else if (!TYPES.includes(type as AttributeDefinition["type"]))
        issues.push({ path: ["attributes", name, "type"], message: `Attribute ${name} needs a type: one of ${TYPES.join(", ")}`, code: "invalid_type" });
      else if (type === "enum" && !isNonEmptyTextList((def as { values?: unknown }).values))
        issues.push({ path: ["attributes", name, "values"], message: `Enum attribute ${name} has no values`, code: "empty_enum" });
    }
  }
  if (issues.length > 0) {
    throw new CrmError("CONFIGURATION", `Invalid attribute registry: ${issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`, {
      issues,
      reason: "invalid_options",
    });
  }
  return {
    version: definition.version,
    // A copy without a prototype, so even a plain `attributes[name]` lookup finds no `constructor`.
    attributes: Object.assign(Object.create(null) as A, definition.attributes),
    fingerprint: fingerprintOf(definition.attributes),
  };
}

/** Whether `value` is a non-empty array of strings (the values of an enum attribute). */
function isNonEmptyTextList(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "string");
}

/**
 * The definition of attribute `name`, looked up as an own key of the registry only, so an input
 * naming `constructor`, `toString` or `__proto__` never reaches `Object.prototype`: it is the
 * registry's attribute of that name, or undefined (an unknown attribute).
 */
export function attributeDefinition(registry: AttributeRegistry, name: string): AttributeDefinition | undefined {
  return Object.hasOwn(registry.attributes, name) ? registry.attributes[name] : undefined;
}

/** The empty registry: no custom attributes. */
export const emptyRegistry: AttributeRegistry = defineAttributes({ version: 1, attributes: {} });

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

function fingerprintOf(attributes: Readonly<Record<string, AttributeDefinition>>): string {
  return createHash("sha256")
    .update(JSON.stringify(canonical(attributes)))
    .digest("hex");
}

/** The zod schema for one attribute value. */
export function attributeValueSchema(def: AttributeDefinition): z.ZodType<AttributeValue> {
  switch (def.type) {
    case "string":
      return textSchema.max(def.maxLength ?? 1000);
    case "number": {
      let s = z.number().refine(Number.isFinite, "Expected a finite number");
      if (def.integer) s = s.refine(Number.isInteger, "Expected an integer");
      if (def.min !== undefined) s = s.refine((v) => v >= def.min!, `Expected at least ${def.min}`);
      if (def.max !== undefined) s = s.refine((v) => v <= def.max!, `Expected at most ${def.max}`);
      return s;
    }
    case "boolean":
      return z.boolean();
    case "date":
      return calendarDateSchema;
    case "enum":
      return z.enum(def.values as [string, ...string[]]);
    case "money":
      return moneySchema(def.currencies);
  }
}

/**
 * The zod schema for {@link Money}, optionally restricted to some currencies. The amount follows
 * the SDK's one money rule (docs/design.md, "Money and rounding"), shared with deals, products,
 * quotes and orders: integer minor units, never negative, at most `Number.MAX_SAFE_INTEGER`.
 */
export function moneySchema(currencies?: readonly string[]): z.ZodType<Money> {
  const currency = currencySchema.refine((c) => !currencies || currencies.includes(c), `Currency must be one of ${currencies?.join(", ")}`);
  return z.object({ amount: amountSchema, currency }).strict();
}
