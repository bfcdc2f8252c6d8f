import * as z from "zod";
import type { ValidationIssue } from "../errors.js";
import type { PostalAddress } from "../model/relation.js";
import { labelSchema, textSchema } from "../model/common.js";
import { FILTER_LIMITS, LIMIT_MESSAGES } from "./limits.js";
import type { ResolvedAddress, ResolvedCondition } from "./resolved.js";

/**
 * Address conditions of the filter language: "customers in Utrecht", "postcode area 3500–3599",
 * "a billing address in Belgium". A relation matches when SOME of its postal addresses (only those
 * with `label`, when given) has the part matching; `neq`, `notIn` and `isEmpty` are the exact
 * complements ("no address in Utrecht"), as everywhere in the language.
 *
 * Postcodes are compared normalised: spaces removed and ASCII letters upper-cased on both sides
 * (`3512 ab` equals `3512AB`), because the same code is stored in every spelling. `between` takes
 * two digit strings of one length (`["3500", "3599"]`, the Dutch four-digit areas): a postcode
 * matches when it starts with that many digits that lie in the range. Country codes are stored
 * upper-case (ISO 3166-1 alpha-2), so a lower-case value is upper-cased. City and street compare
 * exactly and case-sensitively, like the other text fields.
 */

/** The address parts a filter can test. */
export const ADDRESS_PARTS = ["city", "postalCode", "country", "street"] as const;
/** An address part a filter can test. */
export type AddressPart = (typeof ADDRESS_PARTS)[number];

/** Operators of address conditions; `between` applies to `postalCode` only. */
export const ADDRESS_OPERATORS = ["eq", "neq", "in", "notIn", "contains", "startsWith", "between", "isEmpty", "isNotEmpty"] as const;
/** An operator of an address condition. */
export type AddressOperator = (typeof ADDRESS_OPERATORS)[number];

/** Tests a part of the relation's postal addresses (any address, or only those with `label`). */
export interface AddressCondition {
  readonly type: "address";
  readonly part: AddressPart;
  readonly op: AddressOperator;
  /** One text for eq / contains / startsWith, a list for in / notIn, `[low, high]` digit strings for between. */
  readonly value?: string | readonly string[];
  /** Only addresses with exactly this label (e.g. `billing`). */
  readonly label?: string;
}

const text = textSchema.max(FILTER_LIMITS.textLength, LIMIT_MESSAGES.textLength);

/** zod schema of an {@link AddressCondition} (structure only; {@link addressIssues} checks op and value). */
export const addressConditionSchema = z
  .object({
    type: z.literal("address"),
    part: z.enum(ADDRESS_PARTS),
    op: z.enum(ADDRESS_OPERATORS),
    value: z.union([text, z.array(text).max(FILTER_LIMITS.listValues, LIMIT_MESSAGES.listValues)]).optional(),
    label: labelSchema.optional(),
  })
  .strict();

const DIGITS = /^[0-9]{1,10}$/;

/** Every problem of an address condition's operator and value, at `path`. */
export function addressIssues(node: AddressCondition, path: ReadonlyArray<string | number>): ValidationIssue[] {
  const at = [...path, "value"];
  const { op, value } = node;
  if (op === "isEmpty" || op === "isNotEmpty") return value === undefined ? [] : [{ path: at, message: `${op} takes no value`, code: "unexpected_value" }];
  if (op === "between") {
    if (node.part !== "postalCode")
      return [{ path: [...path, "op"], message: "between applies to postalCode only (a postcode area such as 3500–3599)", code: "invalid_operator" }];
    const ok = Array.isArray(value) && value.length === 2 && value.every((v) => DIGITS.test(v)) && value[0]!.length === value[1]!.length;
    return ok
      ? []
      : [{ path: at, message: 'Expected [low, high]: two digit strings of the same length (1-10 digits), e.g. ["3500", "3599"]', code: "invalid_value" }];
  }
  if (op === "in" || op === "notIn")
    return Array.isArray(value) && value.length > 0 ? [] : [{ path: at, message: "Expected a non-empty list", code: "invalid_type" }];
  if (typeof value !== "string") return [{ path: at, message: "Expected a text value", code: value === undefined ? "missing_value" : "invalid_value" }];
  return [];
}

/** Upper-cases ASCII letters only, exactly as SQL `upper` does on SQLite and on Postgres' "C" collation. */
const asciiUpper = (s: string) => s.replace(/[a-z]+/g, (m) => m.toUpperCase());

/** A postcode as filters compare it: spaces removed, ASCII letters upper-cased. */
export function normalisePostcode(postcode: string): string {
  return asciiUpper(postcode.replaceAll(" ", ""));
}

/** The stored column of each part, in the address JSON, and how values of it are normalised before comparing. */
const NORMALISE: Readonly<Record<AddressPart, (v: string) => string>> = {
  city: (v) => v,
  street: (v) => v,
  country: asciiUpper,
  postalCode: normalisePostcode,
};

/** Resolves a validated address condition (see {@link AddressCondition} for the meaning). */
export function resolveAddress(node: AddressCondition): ResolvedCondition {
  const label = node.label ?? null;
  const base = { t: "address", part: node.part, label } as const;
  const norm = NORMALISE[node.part];
  const list = (Array.isArray(node.value) ? node.value : [node.value]) as string[];
  const of = (match: ResolvedAddress["match"]): ResolvedAddress => ({ ...base, match });
  switch (node.op) {
    case "eq":
      return of({ op: "eq", value: norm(node.value as string) });
    case "neq":
      return { t: "not", of: of({ op: "eq", value: norm(node.value as string) }) };
    case "in":
      return of({ op: "in", values: list.map(norm) });
    case "notIn":
      return { t: "not", of: of({ op: "in", values: list.map(norm) }) };
    case "contains":
    case "startsWith":
      return of({ op: node.op, value: norm(node.value as string) });
    case "between":
      return of({ op: "digits", from: list[0]!, to: list[1]! });
    case "isEmpty":
      return { t: "not", of: of(null) };
    case "isNotEmpty":
      return of(null);
  }
}

/** The value of a part of one address as the SQL compiler reads it (normalised postcode), or null when absent. */
export function addressPartValue(address: PostalAddress, part: AddressPart): string | null {
  const v = address[part];
  if (typeof v !== "string") return null;
  return part === "postalCode" ? normalisePostcode(v) : v;
}

/** The reference meaning of a resolved address test over a relation's addresses. */
export function addressMatches(addresses: readonly PostalAddress[], c: ResolvedAddress): boolean {
  return addresses.some((a) => {
    if (c.label !== null && a.label !== c.label) return false;
    const v = addressPartValue(a, c.part);
    if (v === null) return false;
    const m = c.match;
    if (m === null) return true;
    switch (m.op) {
      case "eq":
        return v === m.value;
      case "in":
        return m.values.includes(v);
      case "contains":
        return v.includes(m.value);
      case "startsWith":
        return v.startsWith(m.value);
      case "digits": {
        const head = v.slice(0, m.from.length);
        // Code units equal code points here: a head of only ASCII digits is compared.
        return head.length === m.from.length && /^[0-9]+$/.test(head) && head >= m.from && head <= m.to;
      }
    }
  });
}
