import * as z from "zod";
import type { AttributeInput, AttributeValues } from "../attributes/registry.js";
import { normaliseEmail, normalisePhone, type PhoneRegion } from "../normalise.js";
import { calendarDateSchema, idSchema, labelSchema, textProblem, textSchema, type Instant } from "./common.js";
import { lifecycleSchema, relationKindSchema, type Lifecycle, type RelationKind } from "./relation-kind.js";

/** An e-mail address of a relation, stored lower-cased. */
export interface EmailAddress {
  /** The normalised (trimmed, lower-case) address. */
  readonly address: string;
  /** A free label such as `work` or `billing`. */
  readonly label: string | null;
  /** Exactly one address of a relation with addresses is primary. */
  readonly primary: boolean;
}

/** A phone number of a relation, stored in E.164. */
export interface PhoneNumber {
  /** The number in E.164, e.g. `+31201234567`. */
  readonly number: string;
  /** A free label such as `mobile`. */
  readonly label: string | null;
  /** Exactly one number of a relation with numbers is primary. */
  readonly primary: boolean;
}

/** A postal address. All parts optional; `country` is ISO 3166-1 alpha-2. */
export interface PostalAddress {
  readonly label?: string;
  readonly street?: string;
  readonly houseNumber?: string;
  readonly postalCode?: string;
  readonly city?: string;
  readonly region?: string;
  readonly country?: string;
}

/** A reference to the same relation in another system, unique per tenant. */
export interface ExternalRef {
  /** The other system, e.g. `erp`, `outlook`. */
  readonly system: string;
  /** The id in that system. */
  readonly externalId: string;
}

/** A relation as the SDK returns it. */
export interface Relation<A = AttributeValues> {
  readonly id: string;
  readonly kind: RelationKind;
  /** Display name: the person's full name, the organisation's or household's name. */
  readonly name: string;
  /** Persons only. */
  readonly givenName: string | null;
  /** Persons only. */
  readonly familyName: string | null;
  readonly lifecycle: Lifecycle;
  /** The account manager, as the host's user id. */
  readonly ownerId: string | null;
  readonly emails: readonly EmailAddress[];
  readonly phones: readonly PhoneNumber[];
  readonly addresses: readonly PostalAddress[];
  /** Sorted, unique tags. */
  readonly tags: readonly string[];
  /** Custom attributes, validated against the registry (typed by it: see `createCrm`). */
  readonly attributes: Readonly<A>;
  /** The registry version the attributes were last validated against. */
  readonly attributesVersion: number;
  readonly externalRefs: readonly ExternalRef[];
  /** Optimistic-concurrency version; starts at 1 and grows by one with every change. */
  readonly version: number;
  readonly createdAt: Instant;
  readonly updatedAt: Instant;
  /** Set when soft-deleted; deleted relations are hidden from lookups and can be restored. */
  readonly deletedAt: Instant | null;
}

const emailSchema = z
  .union([z.string(), z.object({ address: z.string(), label: labelSchema.optional(), primary: z.boolean().optional() }).strict()])
  .transform((v) => (typeof v === "string" ? { address: v } : v))
  .pipe(
    z.object({
      address: textSchema.transform(normaliseEmail).pipe(z.email({ message: "Invalid e-mail address" }).max(254)),
      label: labelSchema.optional(),
      primary: z.boolean().optional(),
    }),
  );

function phoneSchema(region: PhoneRegion | undefined) {
  return z
    .union([z.string(), z.object({ number: z.string(), label: labelSchema.optional(), primary: z.boolean().optional() }).strict()])
    .transform((v) => (typeof v === "string" ? { number: v } : v))
    .transform((v, ctx) => {
      const problem = textProblem(v.number);
      if (problem) {
        ctx.addIssue({ code: "custom", path: ["number"], message: problem, params: { code: "invalid_text" } });
        return z.NEVER;
      }
      const number = normalisePhone(v.number, region);
      if (!number) {
        ctx.addIssue({
          code: "custom",
          path: ["number"],
          message: `Invalid phone number ${JSON.stringify(v.number)}${region ? ` (default region ${region})` : ""}`,
          params: { code: "invalid_phone" },
        });
        return z.NEVER;
      }
      return { ...v, number };
    });
}

const addressSchema = z
  .object({
    label: labelSchema.optional(),
    street: textSchema.trim().max(200).optional(),
    houseNumber: textSchema.trim().max(20).optional(),
    postalCode: textSchema.trim().max(20).optional(),
    city: textSchema.trim().max(100).optional(),
    region: textSchema.trim().max(100).optional(),
    country: z
      .string()
      .regex(/^[A-Z]{2}$/, "Expected an ISO 3166-1 alpha-2 code such as NL")
      .optional(),
  })
  .strict();

/** zod schema of an {@link ExternalRef}. */
export const externalRefSchema = z.object({ system: textSchema.trim().min(1).max(50), externalId: textSchema.min(1).max(300) }).strict();

const nameSchema = textSchema.trim().min(1).max(300);

/** Fields shared by create and update input; everything but `kind` may change after creation. */
function mutableFields(region: PhoneRegion | undefined) {
  return {
    name: nameSchema.optional(),
    givenName: textSchema.trim().min(1).max(150).nullable().optional(),
    familyName: textSchema.trim().min(1).max(150).nullable().optional(),
    lifecycle: lifecycleSchema.optional(),
    ownerId: idSchema.nullable().optional(),
    emails: z.array(emailSchema).max(50).optional(),
    phones: z.array(phoneSchema(region)).max(50).optional(),
    addresses: z.array(addressSchema).max(20).optional(),
    tags: z.array(textSchema.trim().min(1).max(64)).max(100).optional(),
    /** Validated separately against the attribute registry. */
    attributes: z.record(z.string(), z.unknown()).optional(),
    externalRefs: z.array(externalRefSchema).max(20).optional(),
  };
}

/** Builds the create and update schemas for a default phone region. */
export function relationSchemas(region: PhoneRegion | undefined) {
  const create = z.object({ kind: relationKindSchema, ...mutableFields(region) }).strict();
  const update = z.object(mutableFields(region)).strict();
  return { create, update };
}

/** Input to create a relation. Strings are accepted for e-mails and phones; phones in any notation. */
export interface RelationInput<A = AttributeValues> {
  readonly kind: RelationKind;
  /** Required unless `givenName`/`familyName` are given for a person. */
  readonly name?: string;
  readonly givenName?: string | null;
  readonly familyName?: string | null;
  /** Default `prospect`. */
  readonly lifecycle?: Lifecycle;
  readonly ownerId?: string | null;
  /** The first is primary unless one is marked `primary`. */
  readonly emails?: ReadonlyArray<string | { address: string; label?: string; primary?: boolean }>;
  /** Any notation; numbers without a country code are read in the CRM's default region. */
  readonly phones?: ReadonlyArray<string | { number: string; label?: string; primary?: boolean }>;
  readonly addresses?: readonly PostalAddress[];
  readonly tags?: readonly string[];
  /** Custom attributes, typed by the registry; `null` clears a value. */
  readonly attributes?: AttributeInput<A>;
  readonly externalRefs?: readonly ExternalRef[];
}

/** The fields an update may set; lists and `attributes` replace the stored value as a whole. */
export type RelationPatch<A = AttributeValues> = Partial<Omit<RelationInput<A>, "kind">>;

/** Optional date bounds, shared by links. */
export const validityShape = {
  validFrom: calendarDateSchema.nullable().optional(),
  validTo: calendarDateSchema.nullable().optional(),
};
