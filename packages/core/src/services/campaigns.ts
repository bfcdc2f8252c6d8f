import { diffFields } from "../diff.js";
import { CrmError, notFound, staleVersion, validationError } from "../errors.js";
import { expectId, expectVersion, parseOrThrow } from "../model/common.js";
import {
  campaignInputSchema,
  campaignPatchSchema,
  memberUpdateSchema,
  MEMBER_STATUSES,
  type Campaign,
  type CampaignInput,
  type CampaignMember,
  type CampaignPatch,
  type CampaignResults,
  type LaunchResult,
  type MailingListEntry,
  type MemberStatus,
  type MemberUpdate,
} from "../model/campaign.js";
import type { MemberPage, PageOptions } from "../model/segment.js";
import type { TenantStore } from "../storage.js";
import * as z from "zod";
import { audienceOf, idPage, liveSegment, pageOf } from "./audience.js";
import { applyMemberUpdates, assertLaunched, campaignResults, mailingCsv, mailingPages } from "./campaign-members.js";
import { runCommand, runQuery, type CommandOptions, type TenantScope } from "./command.js";
import type { VersionedOptions } from "./relations.js";

/** Campaigns of one tenant: a segment, a channel and a purpose; launched once, then tracked. */
export interface CampaignService {
  /** Creates a draft campaign on a segment. */
  create(input: CampaignInput, options?: CommandOptions): Promise<Campaign>;
  /** Changes a draft campaign. */
  update(id: string, patch: CampaignPatch, options: VersionedOptions): Promise<Campaign>;
  /** A campaign by id. */
  get(id: string): Promise<Campaign | undefined>;
  /** Every campaign, newest first. */
  list(): Promise<Campaign[]>;
  /**
   * Launches a draft: materialises the segment's current members in bulk, excluding (with the
   * reason recorded per relation) those suppressed, opted out, without consent for the campaign's
   * channel and purpose, or without an address for the channel.
   */
  launch(id: string, options: VersionedOptions): Promise<LaunchResult>;
  /** One page of members (optionally of one status, e.g. `excluded` to see who was left out and why). */
  members(id: string, options?: PageOptions & { readonly status?: MemberStatus }): Promise<MemberPage<CampaignMember>>;
  /** Records one member's status change (see {@link CampaignService.recordStatuses}). */
  recordStatus(id: string, update: MemberUpdate, options?: CommandOptions): Promise<CampaignMember | undefined>;
  /**
   * Records status changes from the host or an e-mail tool in one transaction. Members only move
   * forward; a replayed or late change is skipped. `opted_out` appends an opt-out to the consent
   * ledger, `bounced` suppresses the channel. Returns the members that changed.
   */
  recordStatuses(id: string, updates: readonly MemberUpdate[], options?: CommandOptions): Promise<CampaignMember[]>;
  /** Counts per status, response and conversion rate, and deals and order value of targeted members after launch. */
  results(id: string, options?: { readonly attributionDays?: number }): Promise<CampaignResults>;
  /** The mailing list for a newsletter tool as a typed stream, paged by keyset. */
  mailingList(id: string, options?: { readonly pageSize?: number }): AsyncIterable<MailingListEntry>;
  /** The same mailing list as RFC 4180 CSV records, header first. */
  mailingListCsv(id: string, options?: { readonly pageSize?: number }): AsyncIterable<string>;
}

const CAMPAIGN_FIELDS = [
  "name",
  "description",
  "segmentId",
  "channel",
  "purpose",
  "status",
  "launchedAt",
  "targeted",
  "excluded",
] as const satisfies readonly (keyof Campaign)[];

/** Builds the campaign service of a tenant. */
export function campaignService(scope: TenantScope): CampaignService {
  const { ctx } = scope;

  async function load(store: TenantStore, id: string): Promise<Campaign> {
    const campaign = await store.campaigns.get(expectId(id));
    if (!campaign) throw notFound("campaign", id);
    return campaign;
  }

  async function loadDraft(store: TenantStore, id: string, expected: number): Promise<Campaign> {
    const campaign = await load(store, id);
    if (campaign.version !== expected) throw staleVersion("campaign", id, expected, campaign.version);
    if (campaign.status !== "draft")
      throw new CrmError("INVALID_STATE", `Campaign ${id} has already been launched`, {
        entity: "campaign",
        id,
        state: campaign.status,
        reason: "already_launched",
      });
    return campaign;
  }

  const recordStatuses: CampaignService["recordStatuses"] = async (id, updates, options) => {
    const parsed = parseOrThrow(z.array(memberUpdateSchema).max(10_000), updates);
    return runCommand(scope, options, async (command) => applyMemberUpdates(ctx, command, await load(command.store, id), parsed));
  };

  function pageSizeOf(options: { pageSize?: number } | undefined): number {
    return idPage({ limit: options?.pageSize ?? 500 }, 5000).limit;
  }

  function mailingList(id: string, options?: { pageSize?: number }): AsyncIterable<MailingListEntry> {
    return {
      async *[Symbol.asyncIterator]() {
        // Checked when iteration starts, so every problem surfaces as a rejected promise.
        const pageSize = pageSizeOf(options);
        const campaign = await runQuery(scope, (store) => load(store, id));
        assertLaunched(campaign);
        const read = (after: string | null) =>
          runQuery(scope, (store) => store.campaigns.mailingList(campaign.id, campaign.channel, campaign.purpose, { after, limit: pageSize }));
        yield* mailingPages(read, campaign.channel, pageSize);
      },
    };
  }

  return {
    async create(input, options) {
      const parsed = parseOrThrow(campaignInputSchema, input);
      return runCommand(scope, options, async (command) => {
        await liveSegment(command.store, parsed.segmentId);
        const campaign: Campaign = {
          id: ctx.newId(),
          name: parsed.name,
          description: parsed.description ?? null,
          segmentId: parsed.segmentId,
          channel: parsed.channel,
          purpose: parsed.purpose,
          status: "draft",
          launchedAt: null,
          targeted: 0,
          excluded: 0,
          version: 1,
          createdAt: command.at,
          updatedAt: command.at,
        };
        await command.store.campaigns.insert(campaign);
        await command.record({
          entityType: "campaign",
          entityId: campaign.id,
          action: "create",
          version: 1,
          changes: diffFields(undefined, campaign, CAMPAIGN_FIELDS),
          eventType: "campaign.created",
          payload: campaign,
        });
        return campaign;
      });
    },

    async update(id, patch, options) {
      const parsed = parseOrThrow(campaignPatchSchema, patch);
      const expected = expectVersion(options?.expectedVersion);
      return runCommand(scope, options, async (command) => {
        const current = await loadDraft(command.store, id, expected);
        if (parsed.segmentId) await liveSegment(command.store, parsed.segmentId);
        const next: Campaign = {
          ...current,
          ...Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== undefined)),
          description: parsed.description === undefined ? current.description : parsed.description,
          version: current.version + 1,
          updatedAt: command.at,
        };
        const changes = diffFields(current, next, CAMPAIGN_FIELDS);
        if (Object.keys(changes).length === 0) return current;
        if (!(await command.store.campaigns.update(next, current.version))) throw staleVersion("campaign", id, current.version);
        await command.record({
          entityType: "campaign",
          entityId: id,
          action: "update",
          version: next.version,
          changes,
          eventType: "campaign.updated",
          payload: next,
        });
        return next;
      });
    },

    get: (id) => runQuery(scope, (store) => store.campaigns.get(expectId(id))),
    list: () => runQuery(scope, (store) => store.campaigns.list()),

    async launch(id, options) {
      const expected = expectVersion(options?.expectedVersion);
      return runCommand(scope, options, async (command) => {
        const current = await loadDraft(command.store, id, expected);
        const audience = await audienceOf(ctx, command.store, await liveSegment(command.store, current.segmentId), command.at);
        const counts = await command.store.campaigns.materialise({
          campaignId: id,
          audience,
          channel: current.channel,
          purpose: current.purpose,
          at: command.at,
        });
        const excluded = Object.values(counts.excluded).reduce((n, c) => n + c, 0);
        const next: Campaign = {
          ...current,
          status: "launched",
          launchedAt: command.at,
          targeted: counts.targeted,
          excluded,
          version: current.version + 1,
          updatedAt: command.at,
        };
        if (!(await command.store.campaigns.update(next, current.version))) throw staleVersion("campaign", id, current.version);
        const changes = { ...diffFields(current, next, CAMPAIGN_FIELDS), exclusions: { from: null, to: counts.excluded } };
        await command.record({
          entityType: "campaign",
          entityId: id,
          action: "update",
          version: next.version,
          changes,
          eventType: "campaign.launched",
          payload: { ...next, exclusions: counts.excluded },
        });
        return { campaign: next, targeted: counts.targeted, excluded: counts.excluded };
      });
    },

    async members(id, options) {
      const paging = idPage(options);
      const status = options?.status === undefined ? null : parseOrThrow(z.enum(MEMBER_STATUSES), options.status);
      return runQuery(scope, async (store) => {
        const campaign = await load(store, id);
        const items = await store.campaigns.members(campaign.id, { ...paging, status });
        return pageOf(
          items,
          items.map((m) => m.relationId),
          paging.limit,
        );
      });
    },

    async recordStatus(id, update, options) {
      return (await recordStatuses(id, [update], options))[0];
    },
    recordStatuses,

    async results(id, options) {
      const days = options?.attributionDays ?? 90;
      if (!Number.isInteger(days) || days < 0 || days > 3650)
        throw validationError([{ path: ["attributionDays"], message: "Expected whole days from 0 to 3650", code: "invalid_days" }]);
      return runQuery(scope, async (store) => campaignResults(store, await load(store, id), days));
    },

    mailingList,
    mailingListCsv: (id, options) => ({ [Symbol.asyncIterator]: () => mailingCsv(mailingList(id, options)) }),
  };
}
