import * as z from "zod";
import { idSchema, instantSchema, labelSchema, textSchema, type Instant } from "./common.js";

/**
 * Consent as an append-only ledger. Every opt-in or opt-out is a new entry (channel, purpose, legal
 * basis, source, time); nothing is ever updated or deleted, so the ledger is its own audit trail.
 * The current state is derived: per (relation, channel, purpose) the latest entry wins, "latest"
 * meaning the greatest `occurredAt` and, on a tie, the greatest id. A separate suppression ledger
 * (bounced, "never contact") blocks a channel, or all channels, whatever the consent says.
 */

/** The channels consent is recorded for. */
export const CONSENT_CHANNELS = ["email", "phone", "sms", "post"] as const;
/** A contact channel. */
export type ConsentChannel = (typeof CONSENT_CHANNELS)[number];

/** Opt-in or opt-out. */
export const CONSENT_ACTIONS = ["opt_in", "opt_out"] as const;
/** What a consent entry records. */
export type ConsentAction = (typeof CONSENT_ACTIONS)[number];

/** The lawful bases of GDPR article 6(1). */
export const LEGAL_BASES = ["consent", "contract", "legal_obligation", "vital_interests", "public_task", "legitimate_interests"] as const;
/** A lawful basis for processing. */
export type LegalBasis = (typeof LEGAL_BASES)[number];

/** A purpose code: lower-case letters, digits, `_` and `-`, e.g. `newsletter`, `marketing`, `service`. */
export const purposeSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/, "Expected a purpose code such as newsletter, marketing or service");

/** One entry of the consent ledger. */
export interface ConsentEntry {
  readonly id: string;
  readonly relationId: string;
  readonly channel: ConsentChannel;
  readonly purpose: string;
  readonly action: ConsentAction;
  /** Required for an opt-in; optional for an opt-out. */
  readonly legalBasis: LegalBasis | null;
  /** Where the statement came from, e.g. `web-form`, `campaign:<id>`, `import`. */
  readonly source: string;
  readonly note: string | null;
  /** When the relation gave or withdrew consent (may be earlier than `recordedAt`, e.g. on import). */
  readonly occurredAt: Instant;
  readonly recordedAt: Instant;
  readonly actor: string;
}

/** Suppress or lift a suppression. */
export const SUPPRESSION_ACTIONS = ["suppress", "lift"] as const;
/** What a suppression entry records. */
export type SuppressionAction = (typeof SUPPRESSION_ACTIONS)[number];

/** One entry of the suppression ledger; `channel` `all` blocks every channel. */
export interface SuppressionEntry {
  readonly id: string;
  readonly relationId: string;
  readonly channel: ConsentChannel | "all";
  readonly action: SuppressionAction;
  /** Why, e.g. `bounced`, `complaint`, `never_contact`. */
  readonly reason: string;
  readonly source: string;
  readonly occurredAt: Instant;
  readonly recordedAt: Instant;
  readonly actor: string;
}

const id = idSchema;

/** zod schema of {@link ConsentInput}. */
export const consentInputSchema = z
  .object({
    relationId: id,
    channel: z.enum(CONSENT_CHANNELS),
    purpose: purposeSchema,
    action: z.enum(CONSENT_ACTIONS),
    legalBasis: z.enum(LEGAL_BASES).nullable().optional(),
    source: labelSchema.optional(),
    note: textSchema.max(2000).nullable().optional(),
    occurredAt: instantSchema.optional(),
  })
  .strict()
  .refine((v) => v.action === "opt_out" || (v.legalBasis ?? null) !== null, { message: "An opt-in needs a legal basis", path: ["legalBasis"] });

/** Input to record consent. `occurredAt` defaults to now, `source` to the caller's source. */
export interface ConsentInput {
  readonly relationId: string;
  readonly channel: ConsentChannel;
  readonly purpose: string;
  readonly action: ConsentAction;
  readonly legalBasis?: LegalBasis | null;
  readonly source?: string;
  readonly note?: string | null;
  readonly occurredAt?: Date | string;
}

/** zod schema of {@link SuppressionInput}. */
export const suppressionInputSchema = z
  .object({
    relationId: id,
    channel: z.enum([...CONSENT_CHANNELS, "all"]).default("all"),
    reason: labelSchema,
    source: labelSchema.optional(),
    occurredAt: instantSchema.optional(),
  })
  .strict();

/** Input to suppress (or lift a suppression of) a channel or every channel of a relation. */
export interface SuppressionInput {
  readonly relationId: string;
  /** Default `all`. */
  readonly channel?: ConsentChannel | "all";
  readonly reason: string;
  readonly source?: string;
  readonly occurredAt?: Date | string;
}

/** The derived consent of one (channel, purpose). */
export interface ConsentStatus {
  readonly channel: ConsentChannel;
  readonly purpose: string;
  readonly status: "opted_in" | "opted_out";
  readonly legalBasis: LegalBasis | null;
  readonly since: Instant;
  /** The entry that decided it. */
  readonly entryId: string;
}

/** A relation's derived consent and suppressions. */
export interface ConsentState {
  readonly relationId: string;
  readonly consents: readonly ConsentStatus[];
  /** Channels (or `all`) currently suppressed, with the deciding reason. */
  readonly suppressed: ReadonlyArray<{ readonly channel: ConsentChannel | "all"; readonly reason: string; readonly since: Instant }>;
}

/** Why a relation may not be contacted on a channel for a purpose. */
export type ContactBlock = "suppressed" | "opted_out" | "no_consent";

/** Orders ledger entries: by `occurredAt`, then id. The last one is the one that counts. */
export function ledgerOrder(a: { occurredAt: Instant; id: string }, b: { occurredAt: Instant; id: string }): number {
  if (a.occurredAt !== b.occurredAt) return a.occurredAt < b.occurredAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Derives the current state from a relation's ledgers (the definition the SQL of campaign launch follows). */
export function deriveConsent(relationId: string, entries: readonly ConsentEntry[], suppressions: readonly SuppressionEntry[]): ConsentState {
  const latest = new Map<string, ConsentEntry>();
  for (const e of [...entries].sort(ledgerOrder)) latest.set(`${e.channel}\u0000${e.purpose}`, e);
  const blocks = new Map<string, SuppressionEntry>();
  for (const s of [...suppressions].sort(ledgerOrder)) blocks.set(s.channel, s);
  return {
    relationId,
    consents: [...latest.values()].map((e) => ({
      channel: e.channel,
      purpose: e.purpose,
      status: e.action === "opt_in" ? "opted_in" : "opted_out",
      legalBasis: e.legalBasis,
      since: e.occurredAt,
      entryId: e.id,
    })),
    suppressed: [...blocks.values()].filter((s) => s.action === "suppress").map((s) => ({ channel: s.channel, reason: s.reason, since: s.occurredAt })),
  };
}

/** Whether the derived state allows contact on a channel for a purpose; otherwise why not. */
export function contactBlock(state: ConsentState, channel: ConsentChannel, purpose: string): ContactBlock | null {
  if (state.suppressed.some((s) => s.channel === "all" || s.channel === channel)) return "suppressed";
  const consent = state.consents.find((c) => c.channel === channel && c.purpose === purpose);
  if (!consent) return "no_consent";
  return consent.status === "opted_in" ? null : "opted_out";
}
