import * as z from "zod";
import { textSchema, type Instant } from "./common.js";
import { normaliseEmail } from "../normalise.js";

/**
 * Per-field verification: when a relation's value was last confirmed, by whom and from which
 * source. A field is named by a key: `name`, `address` (the postal addresses as a whole),
 * `jobTitle` (a person's current job title, which lives on the employment link), `email:<address>`
 * and `phone:<E.164>` (each address and number on its own), and `attribute:<name>`.
 */

/** The kinds of verifiable field; a policy sets a maximum age per kind. */
export const VERIFIABLE_KINDS = ["name", "email", "phone", "address", "jobTitle", "attribute"] as const;
/** A kind of verifiable field. */
export type VerifiableKind = (typeof VERIFIABLE_KINDS)[number];

/** The key of one verifiable field of a relation, e.g. `name`, `email:anna@acme.nl`, `attribute:vatNumber`. */
export type VerifiedFieldKey = "name" | "address" | "jobTitle" | `email:${string}` | `phone:${string}` | `attribute:${string}`;

/**
 * What `verification.verify` accepts: a field key, or `email` / `phone` for every address or
 * number the relation has now.
 */
export type VerifyField = VerifiedFieldKey | "email" | "phone";

/** The last confirmation of one field of a relation. */
export interface FieldVerification {
  readonly relationId: string;
  readonly field: VerifiedFieldKey;
  readonly kind: VerifiableKind;
  /** When it was last confirmed. */
  readonly verifiedAt: Instant;
  /** Who confirmed it (the actor of the write or of `verify`). */
  readonly verifiedBy: string;
  /** Where the confirmation came from: the source of the call, e.g. `user`, `import`, `sync:outlook`. */
  readonly source: string;
}

/** A field whose last confirmation is older than the policy allows (or that was never confirmed). */
export interface DueField {
  readonly field: VerifiedFieldKey;
  readonly kind: VerifiableKind;
  /** The value as the relation holds it now, to show in an "is this still right?" prompt. */
  readonly value: unknown;
  /** Null when the field was never confirmed (e.g. written before verification was recorded). */
  readonly lastVerifiedAt: Instant | null;
  readonly verifiedBy: string | null;
  readonly source: string | null;
}

/**
 * The tenant's verification policy: the maximum age in days of a confirmation, per kind of field
 * and per attribute. A kind left out is never due; attributes are due only when listed.
 */
export interface VerificationPolicy {
  readonly maxAgeDays: Partial<Record<Exclude<VerifiableKind, "attribute">, number>>;
  /** Attribute name → maximum age in days: the "chosen attributes" whose staleness matters. */
  readonly attributes?: Readonly<Record<string, number>>;
}

/** The policy of a tenant that never set one: the key fields once a year, no attributes. */
export const DEFAULT_VERIFICATION_POLICY: VerificationPolicy = {
  maxAgeDays: { name: 365, email: 365, phone: 365, address: 365, jobTitle: 365 },
};

const days = z.number().int().min(1).max(36500);
/** zod schema of a {@link VerificationPolicy}. */
export const verificationPolicySchema = z
  .object({
    maxAgeDays: z
      .object({ name: days.optional(), email: days.optional(), phone: days.optional(), address: days.optional(), jobTitle: days.optional() })
      .strict(),
    attributes: z.record(textSchema.min(1).max(63), days).optional(),
  })
  .strict();

/** The kind of a field key, or undefined when it is not one. */
export function kindOfKey(key: string): VerifiableKind | undefined {
  if (key === "name" || key === "address" || key === "jobTitle") return key;
  const colon = key.indexOf(":");
  if (colon <= 0 || colon === key.length - 1) return undefined;
  const prefix = key.slice(0, colon);
  return prefix === "email" || prefix === "phone" || prefix === "attribute" ? prefix : undefined;
}

/** An e-mail field key, normalised like stored addresses. */
export function emailKey(address: string): VerifiedFieldKey {
  return `email:${normaliseEmail(address)}`;
}
