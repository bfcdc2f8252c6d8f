import * as z from "zod";
import type { Instant } from "./common.js";
import { textSchema } from "./common.js";
import type { ConsentEntry, SuppressionEntry } from "./consent.js";
import type { Deal } from "./deal.js";
import type { Interaction } from "./interaction.js";
import type { HistoryEntry, OutboxEvent } from "./journal.js";
import type { Link } from "./link.js";
import type { Order } from "./order.js";
import type { Quote } from "./quote.js";
import type { Relation } from "./relation.js";
import type { Activity } from "./activity.js";
import type { Merge } from "./merge.js";
import type { FieldVerification } from "./verification.js";

/** The format name and version of {@link PersonalDataExport}; the version grows when the shape changes. */
export const ACCESS_EXPORT_FORMAT = "kaartenbak.access-export" as const;

/**
 * Everything the CRM holds about one relation (GDPR articles 15 and 20), as one JSON-compatible
 * document. Lists are complete, not paged; money is integer minor units with its currency, times
 * are ISO-8601 UTC. The shape is documented in the core README ("Privacy requests").
 */
export interface PersonalDataExport {
  readonly format: typeof ACCESS_EXPORT_FORMAT;
  /** Version of this shape: 2 (2 added `activities`, `verifications` and `merges`). */
  readonly formatVersion: 2;
  readonly tenantId: string;
  readonly exportedAt: Instant;
  /** The relation with its e-mails, phones, addresses, tags, attributes and external references. */
  readonly relation: Relation;
  /** Employment, household and parent links at either end. */
  readonly links: readonly Link[];
  /** Contact moments on the relation's timeline, newest first, with participants. */
  readonly interactions: readonly Interaction[];
  /** Deals the relation is the customer of or a contact on. */
  readonly deals: readonly Deal[];
  /** Quotes made out to the relation, every revision. */
  readonly quotes: readonly Quote[];
  /** Orders of the relation. */
  readonly orders: readonly Order[];
  /** The consent ledger (opt-ins and opt-outs) and the suppression ledger, oldest first. */
  readonly consent: { readonly entries: readonly ConsentEntry[]; readonly suppressions: readonly SuppressionEntry[] };
  /** Campaigns the relation was targeted by or excluded from, with the status and the address used. */
  readonly campaigns: readonly { campaignId: string; status: string; reason: string | null; address: string | null; statusAt: Instant }[];
  /** Static and snapshot segments the relation is a member of. */
  readonly segments: readonly { segmentId: string; addedAt: Instant }[];
  /** Mailbox and address-book items synchronised with the relation. */
  readonly syncedItems: readonly { account: string; resource: string; externalId: string }[];
  /** Planned activities (appointments, tasks) with the relation, of every status, by due time. */
  readonly activities: readonly Activity[];
  /** When, by whom and from which source each field of the relation was last confirmed. */
  readonly verifications: readonly FieldVerification[];
  /** Merges the relation took part in, as survivor or as the merged double, newest first. */
  readonly merges: readonly Merge[];
  /** The relation's change history, oldest first. */
  readonly history: readonly HistoryEntry[];
  /** Outbox events about the relation, in sequence order. */
  readonly events: readonly OutboxEvent[];
}

/** Options of `privacy.erase`. */
export const erasureOptionsSchema = z
  .object({
    /** The name the relation row keeps instead of its own; default `Erased relation`. */
    pseudonym: textSchema.trim().min(1).max(200).optional(),
    /** Free text noted in the history entry, e.g. the ticket of the request (no personal data). */
    note: textSchema.max(500).optional(),
  })
  .strict();

/** Options of `privacy.erase`. */
export type ErasureOptions = z.input<typeof erasureOptionsSchema>;

/** What an erasure did. */
export interface ErasureResult {
  readonly relationId: string;
  readonly erasedAt: Instant;
  /** How many e-mail, phone, external-reference and remote-item keys now block re-adding the person. */
  readonly keys: number;
  /** Rows changed or removed, per table. */
  readonly rows: Readonly<Record<string, number>>;
}

/** Identifiers a host re-admits after an erasure (see `privacy.readmit`). */
export const readmitInputSchema = z
  .object({
    emails: z.array(textSchema.max(320)).max(100).optional(),
    phones: z.array(textSchema.max(50)).max(100).optional(),
    externalRefs: z
      .array(z.object({ system: textSchema.min(1).max(100), externalId: textSchema.min(1).max(200) }).strict())
      .max(100)
      .optional(),
  })
  .strict();

/** Identifiers a host re-admits after an erasure. */
export type ReadmitInput = z.input<typeof readmitInputSchema>;
