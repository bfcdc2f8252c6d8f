import { notFound } from "../errors.js";
import { expectId, optionsOf, parseOrThrow } from "../model/common.js";
import type { Interaction } from "../model/interaction.js";
import {
  ACCESS_EXPORT_FORMAT,
  erasureOptionsSchema,
  readmitInputSchema,
  type ErasureOptions,
  type ErasureResult,
  type PersonalDataExport,
  type ReadmitInput,
} from "../model/privacy.js";
import type { Relation } from "../model/relation.js";
import { toQuoteLine } from "../model/quote.js";
import { nameKey, normaliseEmail, normalisePhone } from "../normalise.js";
import type { TenantStore } from "../storage.js";
import type { ErasureKeyRecord } from "../storage-privacy.js";
import { runCommand, runQuery, type CommandOptions, type TenantScope } from "./command.js";
import { erasureKey, identityKeys, refValue } from "./erasure-keys.js";
import { toLink } from "./links.js";
import { toMerge } from "./merge.js";
import { ACTIVITY_STATUSES, type Activity } from "../model/activity.js";
import { personalIdentifiers } from "./personal-identifiers.js";

/** Privacy requests of one tenant: access export, erasure, and re-admitting erased identifiers. */
export interface PrivacyService {
  /**
   * Everything the CRM holds about a relation, as one JSON document (GDPR articles 15 and 20).
   * Reads in one transaction, so the document is consistent. Throws NOT_FOUND for an unknown id;
   * an erased relation exports what is left of it.
   */
  accessExport(relationId: string): Promise<PersonalDataExport>;
  /**
   * Erases a relation's personal data (GDPR article 17) in one transaction: the relation row is
   * pseudonymised and kept (orders, quotes and deals that must be retained by law keep pointing to
   * it, with their amounts unchanged); its e-mails, phones, tags, external references and sync
   * mappings are removed; its names, e-mail addresses and phone numbers are removed from every
   * free-text and JSON column of the tenant: interaction subjects, bodies and participants, history
   * diffs and outbox payloads written before, deal and quote titles, ledger notes. Digests of the
   * e-mails, phones and references are kept, so a later sync page or import carrying them is
   * refused (VALIDATION, reason `erased_identity`) until the host calls {@link readmit}. Writes
   * one `relation.erased` event that carries no personal data.
   *
   * @example
   * const done = await acme.privacy.erase(id, { note: "request #2026-113" });
   * console.log(done.rows.kb_history); // history entries that no longer mention her
   */
  erase(relationId: string, options?: ErasureOptions & CommandOptions): Promise<ErasureResult>;
  /** Lets these identifiers be stored again (the person came back and asked to be added). Returns how many keys were released. */
  readmit(input: ReadmitInput, options?: CommandOptions): Promise<{ released: number }>;
}

const REPLACEMENT = "[erased]";
const DEFAULT_PSEUDONYM = "Erased relation";
const TIMELINE_PAGE = 500;

/**
 * Every interaction on a relation's own timeline, and every one with a participant no relation
 * claimed that carries one of its e-mail addresses (e.g. mail that arrived while it was deleted),
 * newest first.
 */
async function allInteractions(store: TenantStore, relationId: string, emails: readonly string[]): Promise<Interaction[]> {
  const out: Interaction[] = [];
  for (;;) {
    const last = out.at(-1);
    const page = await store.interactions.timeline({
      relationIds: [relationId],
      limit: TIMELINE_PAGE,
      ...(last ? { after: { occurredAt: last.occurredAt, id: last.id } } : {}),
    });
    out.push(...page);
    if (page.length < TIMELINE_PAGE) break;
  }
  const seen = new Set(out.map((i) => i.id));
  const carrying = emails.length > 0 ? (await store.unmatched.carrying(emails)).filter((i) => !seen.has(i.id)) : [];
  if (carrying.length === 0) return out;
  const newest = (a: Interaction, b: Interaction) =>
    a.occurredAt === b.occurredAt ? (a.id < b.id ? 1 : a.id > b.id ? -1 : 0) : a.occurredAt < b.occurredAt ? 1 : -1;
  return [...out, ...carrying].sort(newest);
}

/** Every activity with the relation, of every status, by due time. */
async function allActivities(store: TenantStore, relationId: string): Promise<Activity[]> {
  const out: Activity[] = [];
  for (;;) {
    const last = out.at(-1);
    const page = await store.activities.list({
      statuses: ACTIVITY_STATUSES,
      relationId,
      limit: TIMELINE_PAGE,
      ...(last ? { after: { dueAt: last.dueAt, id: last.id } } : {}),
    });
    out.push(...page);
    if (page.length < TIMELINE_PAGE) return out;
  }
}

async function exportOf(store: TenantStore, relation: Relation, exportedAt: string): Promise<PersonalDataExport> {
  const id = relation.id;
  const records = await store.privacy.personalRecords(id);
  const deals = [];
  for (const d of records.dealIds) {
    const deal = await store.deals.get(d);
    if (deal) deals.push(deal);
  }
  const quotes = [];
  for (const q of records.quoteIds) {
    const quote = await store.quotes.get(q);
    if (quote) quotes.push(quote);
  }
  return {
    format: ACCESS_EXPORT_FORMAT,
    formatVersion: 2,
    tenantId: store.tenantId,
    exportedAt,
    relation,
    links: (await store.links.listForRelation(id)).map(toLink),
    interactions: await allInteractions(
      store,
      id,
      relation.emails.map((e) => e.address),
    ),
    deals,
    quotes: quotes.map((q) => ({ ...q, lines: q.lines.map(toQuoteLine) })),
    orders: await store.orders.listForRelation(id),
    consent: { entries: await store.consent.consentLedger(id), suppressions: await store.consent.suppressionLedger(id) },
    campaigns: records.campaignMemberships,
    segments: records.segmentMemberships,
    syncedItems: records.syncItems,
    activities: await allActivities(store, id),
    verifications: await store.verification.list([id]),
    merges: (await store.merges.listFor(id)).map(toMerge),
    history: records.history,
    events: records.events,
  };
}

/** Builds the privacy service of a tenant. */
export function privacyService(scope: TenantScope): PrivacyService {
  const { ctx, tenantId } = scope;
  return {
    async accessExport(relationId) {
      const id = expectId(relationId, "relationId");
      return runQuery(scope, async (store) => {
        const relation = await store.relations.get(id);
        if (!relation) throw notFound("relation", id);
        return exportOf(store, relation, ctx.now());
      });
    },

    async erase(relationId, options) {
      const id = expectId(relationId, "relationId");
      const { actor, source, ...rest } = optionsOf(options ?? {});
      const parsed = parseOrThrow(erasureOptionsSchema, rest);
      return runCommand(scope, { actor, source }, async (command) => {
        const { store, at } = command;
        const relation = await store.relations.get(id);
        if (!relation) throw notFound("relation", id);
        const remote = await store.privacy.remoteItemsOf(id);
        const keys: ErasureKeyRecord[] = [
          ...identityKeys(tenantId, relation).map((k) => ({ key: k.key, kind: k.kind, relationId: id, erasedAt: at })),
          ...remote.map((r) => ({
            key: erasureKey(tenantId, "remote", `${r.account}\u0000${refValue(r.resource, r.externalId)}`),
            kind: "remote" as const,
            relationId: id,
            erasedAt: at,
          })),
        ];
        const pseudonym = parsed.pseudonym ?? DEFAULT_PSEUDONYM;
        await store.privacy.recordErasureKeys(keys);
        // Recorded first, so the erasure below also covers what recording it wrote (field
        // confirmations); the history entry names the fields that were erased, never their values.
        const erasedFields = ["name", "givenName", "familyName", "emails", "phones", "addresses", "tags", "attributes", "externalRefs"];
        await command.record({
          entityType: "relation",
          entityId: id,
          action: "update",
          version: relation.version + 1,
          changes: Object.fromEntries(erasedFields.map((f) => [f, { from: REPLACEMENT, to: REPLACEMENT }])),
          eventType: "relation.erased",
          payload: { relationId: id, erasedAt: at, keys: keys.length, ...(parsed.note ? { note: parsed.note } : {}) },
        });
        const rows = await store.privacy.erase({
          relationId: id,
          pseudonym,
          pseudonymKey: nameKey(pseudonym),
          emails: relation.emails.map((e) => e.address),
          identifiers: personalIdentifiers(relation),
          replacement: REPLACEMENT,
          at,
        });
        return { relationId: id, erasedAt: at, keys: keys.length, rows };
      });
    },

    async readmit(input, options) {
      const parsed = parseOrThrow(readmitInputSchema, input);
      return runCommand(scope, options, async ({ store }) => {
        const keys = [
          ...(parsed.emails ?? []).map((e) => erasureKey(tenantId, "email", normaliseEmail(e))),
          ...(parsed.phones ?? []).map((p) => erasureKey(tenantId, "phone", normalisePhone(p, ctx.region) ?? p)),
          ...(parsed.externalRefs ?? []).map((r) => erasureKey(tenantId, "ref", refValue(r.system, r.externalId))),
        ];
        return { released: await store.privacy.releaseErasureKeys(keys) };
      });
    },
  };
}
