import { csvRecord } from "../csv.js";
import { CrmError, staleVersion, validationError, type ValidationIssue } from "../errors.js";
import { addDays, dayOf } from "../filter/time.js";
import {
  canMoveMember,
  MEMBER_STATUSES,
  type Campaign,
  type CampaignMember,
  type CampaignResults,
  type MailingListEntry,
  type MemberStatus,
} from "../model/campaign.js";
import type { HistoryEntry } from "../model/journal.js";
import { moneyList } from "../model/money.js";
import type { PostalAddress } from "../model/relation.js";
import type { NewOutboxEvent, TenantStore } from "../storage.js";
import type { CurrencyAggregate, MemberStatusWrite } from "../storage-segments.js";
import type { CommandScope } from "./command.js";
import { appendConsent, appendSuppression } from "./consent.js";
import type { CrmContext } from "../context.js";

/**
 * The member side of campaigns: status changes reported by the host or an e-mail tool (with the
 * consent consequences of opt-outs and bounces), results with attribution, and the mailing list.
 */

/** A parsed status change. */
export interface ParsedMemberUpdate {
  readonly relationId: string;
  readonly status: Exclude<MemberStatus, "excluded" | "targeted">;
  readonly at?: string | undefined;
}

/** Loads a campaign that must be launched, or throws INVALID_STATE. */
export function assertLaunched(campaign: Campaign): void {
  if (campaign.status !== "launched") {
    throw new CrmError("INVALID_STATE", `Campaign ${campaign.id} has not been launched`, {
      entity: "campaign",
      id: campaign.id,
      state: campaign.status,
      reason: "not_launched",
    });
  }
}

/**
 * Applies status changes in one command. Members move forward only: a change that would move a
 * member back (or to its own status) is skipped, so replayed webhooks change nothing. An opt-out
 * appends an opt-out to the consent ledger and a bounce suppresses the channel, in the same
 * transaction. Each change gets a history entry and an outbox event, written in bulk.
 */
export async function applyMemberUpdates(
  ctx: CrmContext,
  command: CommandScope,
  campaign: Campaign,
  updates: readonly ParsedMemberUpdate[],
): Promise<CampaignMember[]> {
  assertLaunched(campaign);
  const { store } = command;
  const current = new Map(
    (
      await store.campaigns.getMembers(
        campaign.id,
        updates.map((u) => u.relationId),
      )
    ).map((m) => [m.relationId, m]),
  );
  const issues: ValidationIssue[] = [];
  updates.forEach((u, i) => {
    const member = current.get(u.relationId);
    if (!member) issues.push({ path: [i, "relationId"], message: `Relation ${u.relationId} is not a member of campaign ${campaign.id}`, code: "not_a_member" });
    else if (member.status === "excluded")
      issues.push({
        path: [i, "relationId"],
        message: `Relation ${u.relationId} was excluded from campaign ${campaign.id} (${member.reason})`,
        code: "member_excluded",
      });
  });
  if (issues.length > 0) throw validationError(issues);

  const changed = new Map<string, { before: CampaignMember; after: CampaignMember }>();
  for (const u of updates) {
    const before = changed.get(u.relationId)?.after ?? current.get(u.relationId)!;
    if (!canMoveMember(before.status, u.status)) continue;
    const after: CampaignMember = { ...before, status: u.status, statusAt: u.at ?? command.at, version: before.version + 1 };
    changed.set(u.relationId, { before: changed.get(u.relationId)?.before ?? before, after });
  }
  if (changed.size === 0) return [];
  const writes: MemberStatusWrite[] = [...changed.values()].map(({ before, after }) => ({
    relationId: after.relationId,
    status: after.status,
    statusAt: after.statusAt,
    expectedVersion: before.version,
  }));
  const written = new Set(await store.campaigns.updateMembers(campaign.id, writes));
  const stale = writes.find((w) => !written.has(w.relationId));
  if (stale) throw staleVersion("campaign_member", `${campaign.id}:${stale.relationId}`, stale.expectedVersion);

  const history: HistoryEntry[] = [];
  const events: NewOutboxEvent[] = [];
  const { actor, source } = command.actor;
  for (const { before, after } of changed.values()) {
    const entityId = `${campaign.id}:${after.relationId}`;
    const changes = { status: { from: before.status, to: after.status }, statusAt: { from: before.statusAt, to: after.statusAt } };
    history.push({
      id: ctx.newId(),
      entityType: "campaign_member",
      entityId,
      action: "update",
      version: after.version,
      changes,
      actor,
      source,
      at: command.at,
    });
    events.push({
      id: ctx.newId(),
      type: `campaign.member_${after.status}`,
      entityType: "campaign_member",
      entityId,
      payload: after,
      actor,
      source,
      occurredAt: command.at,
    });
  }
  await store.bulk.appendHistory(history);
  await store.bulk.appendEvents(events);

  for (const { after } of changed.values()) {
    const base = {
      id: ctx.newId(),
      relationId: after.relationId,
      source: `campaign:${campaign.id}`,
      occurredAt: after.statusAt,
      recordedAt: command.at,
      actor,
    };
    if (after.status === "opted_out") {
      await appendConsent(command, {
        ...base,
        channel: campaign.channel,
        purpose: campaign.purpose,
        action: "opt_out",
        legalBasis: null,
        note: `Opted out of campaign ${campaign.name}`,
      });
    } else if (after.status === "bounced") {
      await appendSuppression(command, { ...base, channel: campaign.channel, action: "suppress", reason: "bounced" });
    }
  }
  return [...changed.values()].map((c) => c.after);
}

const totals = (rows: readonly CurrencyAggregate[]) => new Map(rows.map((r) => [r.currency, r.amount]));
const count = (rows: readonly CurrencyAggregate[]) => rows.reduce((n, r) => n + r.count, 0);

/** Results of a launched campaign, attributing deals and orders of its targeted members to a window after launch. */
export async function campaignResults(store: TenantStore, campaign: Campaign, attributionDays: number): Promise<CampaignResults> {
  const counts = await store.campaigns.statusCounts(campaign.id);
  const statuses = Object.fromEntries(MEMBER_STATUSES.map((s) => [s, counts[s] ?? 0])) as Record<MemberStatus, number>;
  const targeted = MEMBER_STATUSES.filter((s) => s !== "excluded").reduce((n, s) => n + statuses[s], 0);
  const sent = targeted - statuses.targeted;
  const rate = (n: number) => (sent === 0 ? null : n / sent);
  const empty = { count: 0, value: [] };
  if (!campaign.launchedAt) {
    return {
      campaignId: campaign.id,
      statuses,
      targeted,
      sent,
      responseRate: null,
      conversionRate: null,
      deals: empty,
      orders: empty,
      window: { from: null, to: null },
    };
  }
  const from = campaign.launchedAt;
  const to = addDays(from, attributionDays);
  const { deals, orders } = await store.campaigns.attribution(campaign.id, { from, to, fromDay: dayOf(from), toDay: dayOf(to) });
  return {
    campaignId: campaign.id,
    statuses,
    targeted,
    sent,
    responseRate: rate(statuses.responded + statuses.converted),
    conversionRate: rate(statuses.converted),
    deals: { count: count(deals), value: moneyList(totals(deals), undefined) },
    orders: { count: count(orders), value: moneyList(totals(orders), undefined) },
    window: { from, to },
  };
}

/** A postal address on one line, for the `post` channel's mailing list. */
function postalLine(addresses: unknown): string | null {
  const first = Array.isArray(addresses) ? (addresses[0] as PostalAddress | undefined) : undefined;
  if (!first) return null;
  const street = [first.street, first.houseNumber].filter(Boolean).join(" ");
  const city = [first.postalCode, first.city].filter(Boolean).join(" ");
  return [street, city, first.region, first.country].filter(Boolean).join(", ") || null;
}

/**
 * The mailing list as a typed stream: pages of `pageSize` members in relation-id order (keyset),
 * each page read in its own short read-only transaction, so neither memory nor a transaction grows
 * with the list.
 */
export async function* mailingPages(
  readPage: (after: string | null) => Promise<Awaited<ReturnType<TenantStore["campaigns"]["mailingList"]>>>,
  channel: Campaign["channel"],
  pageSize: number,
): AsyncGenerator<MailingListEntry> {
  let after: string | null = null;
  for (;;) {
    const rows = await readPage(after);
    for (const row of rows) {
      const address = channel === "post" ? postalLine(row.addresses) : row.address;
      if (address) yield { relationId: row.relationId, name: row.name, givenName: row.givenName, familyName: row.familyName, address, status: row.status };
    }
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.relationId;
  }
}

/** The columns of the CSV mailing list. */
export const MAILING_CSV_HEADER = ["relation_id", "name", "given_name", "family_name", "address", "status"] as const;

/** Turns the typed stream into RFC 4180 CSV records (header first), one string per record. */
export async function* mailingCsv(entries: AsyncIterable<MailingListEntry>): AsyncGenerator<string> {
  yield csvRecord(MAILING_CSV_HEADER);
  for await (const e of entries) yield csvRecord([e.relationId, e.name, e.givenName, e.familyName, e.address, e.status]);
}
