import * as z from "zod";
import { idSchema, instantSchema, labelSchema, textSchema, type Instant } from "./common.js";

/** The built-in kinds of contact moment. Hosts may add their own through `createCrm({ interactionKinds })`. */
export const INTERACTION_KINDS = ["call", "email", "meeting", "note", "call_report", "complaint", "purchase", "contract", "change", "task"] as const;
/** A built-in interaction kind; any registered custom kind is a plain string. */
export type BuiltInInteractionKind = (typeof INTERACTION_KINDS)[number];

/** Which way a contact moment went, seen from the tenant. */
export const DIRECTIONS = ["inbound", "outbound", "internal"] as const;
/** Inbound, outbound or internal. */
export type Direction = (typeof DIRECTIONS)[number];

/**
 * The part a participant played. `sender` sent on behalf of `from` (a delegate or a shared
 * mailbox), `reply-to` is where answers go, `resource` is a room or equipment booked for a meeting.
 */
export const PARTICIPANT_ROLES = ["from", "to", "cc", "bcc", "organizer", "attendee", "participant", "sender", "reply-to", "resource"] as const;
/** The role of a participant. */
export type ParticipantRole = (typeof PARTICIPANT_ROLES)[number];

/** Someone who took part: a known relation, a raw address (e-mail or phone), or both. */
export interface Participant {
  readonly role: ParticipantRole;
  readonly relationId: string | null;
  /** A raw address such as an e-mail address (lower-cased) or phone number, when known. */
  readonly address: string | null;
  /** A display name, e.g. from an e-mail header. */
  readonly name: string | null;
}

/** A contact moment, as the SDK returns it. */
export interface Interaction {
  readonly id: string;
  /** A built-in kind or a registered custom kind. */
  readonly kind: BuiltInInteractionKind | (string & {});
  readonly direction: Direction | null;
  /** The medium, e.g. `phone`, `email`, `video`, `in_person`, `post`. */
  readonly channel: string | null;
  readonly occurredAt: Instant;
  readonly subject: string | null;
  readonly body: string | null;
  readonly outcome: string | null;
  /**
   * The relations whose timelines show this interaction (explicit links plus participants that are
   * relations). Empty for an unmatched contact moment: none of its participants is a relation yet.
   */
  readonly relationIds: readonly string[];
  readonly participants: readonly Participant[];
  /** The deals this contact moment is about; always present (possibly empty) on what the SDK returns. */
  readonly dealIds?: readonly string[];
  /** A key from the source system (e.g. an RFC Message-ID), unique per tenant. */
  readonly externalKey: string | null;
  readonly version: number;
  readonly createdAt: Instant;
  readonly updatedAt: Instant;
  readonly deletedAt: Instant | null;
}

const id = idSchema;
const participantSchema = z
  .object({
    role: z.enum(PARTICIPANT_ROLES).default("participant"),
    relationId: id.nullable().optional(),
    address: textSchema
      .trim()
      .min(1)
      .max(320)
      .transform((a) => (a.includes("@") ? a.toLowerCase() : a))
      .nullable()
      .optional(),
    name: textSchema.trim().min(1).max(300).nullable().optional(),
  })
  .strict()
  .refine((p) => p.relationId || p.address, { message: "A participant needs a relationId or an address", path: ["address"] });

const text = (max: number) => textSchema.max(max).nullable().optional();

/** Builds the interaction schemas for the set of allowed kinds. */
export function interactionSchemas(kinds: readonly string[]) {
  const kind = z.string().refine((k) => kinds.includes(k), { message: `Unknown interaction kind; expected one of ${kinds.join(", ")}` });
  const fields = {
    direction: z.enum(DIRECTIONS).nullable().optional(),
    channel: labelSchema.nullable().optional(),
    occurredAt: instantSchema,
    subject: text(1000),
    body: text(1_000_000),
    outcome: text(1000),
  };
  const create = z
    .object({
      kind,
      ...fields,
      relationIds: z.array(id).max(200).default([]),
      participants: z.array(participantSchema).max(500).default([]),
      dealIds: z.array(id).max(50).default([]),
      externalKey: textSchema.min(1).max(500).nullable().optional(),
    })
    .strict()
    // Without any relation it is an unmatched contact moment: kept, and claimed by the relation
    // that later holds one of its participants' e-mail addresses (see the README's "Unmatched
    // contact moments"). With neither there is nobody it could ever belong to.
    .refine((v) => v.relationIds.length > 0 || v.participants.some((p) => p.relationId || p.address), {
      message: "An interaction needs at least one relation, or a participant with an address",
      path: ["relationIds"],
    });
  const patch = z
    .object({
      kind: kind.optional(),
      ...fields,
      occurredAt: instantSchema.optional(),
    })
    .strict();
  return { create, patch };
}

/** Input to log a contact moment. */
export interface InteractionInput {
  readonly kind: BuiltInInteractionKind | (string & {});
  readonly direction?: Direction | null;
  readonly channel?: string | null;
  /** A Date or an ISO-8601 string with offset; stored as UTC. */
  readonly occurredAt: Date | string;
  readonly subject?: string | null;
  readonly body?: string | null;
  readonly outcome?: string | null;
  /**
   * Relations to link; participants that are relations are linked too. With none at all, at least
   * one participant needs an address: the interaction is then logged unmatched (see
   * `interactions.unmatched`) until a relation with that e-mail address claims it.
   */
  readonly relationIds?: readonly string[];
  readonly participants?: ReadonlyArray<{
    role?: ParticipantRole;
    relationId?: string | null;
    address?: string | null;
    name?: string | null;
  }>;
  /** A key from the source system (e.g. RFC Message-ID); logging the same key twice changes nothing. */
  readonly externalKey?: string | null;
  /** Deals the contact moment is about (they must exist); default none. */
  readonly dealIds?: readonly string[];
}

/** The fields of an interaction that may change after it was logged. */
export type InteractionPatch = Partial<Pick<InteractionInput, "kind" | "direction" | "channel" | "occurredAt" | "subject" | "body" | "outcome">>;
