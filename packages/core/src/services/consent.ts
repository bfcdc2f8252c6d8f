import { CrmError } from "../errors.js";
import { expectId, parseOrThrow } from "../model/common.js";
import {
  CONSENT_CHANNELS,
  consentInputSchema,
  contactBlock,
  deriveConsent,
  purposeSchema,
  suppressionInputSchema,
  type ConsentChannel,
  type ConsentEntry,
  type ConsentInput,
  type ConsentState,
  type ContactBlock,
  type SuppressionEntry,
  type SuppressionInput,
} from "../model/consent.js";
import * as z from "zod";
import { runCommand, runQuery, type CommandOptions, type CommandScope, type TenantScope } from "./command.js";

/** The consent ledger of one tenant: append-only statements, with the current state derived. */
export interface ConsentService {
  /** Appends an opt-in or opt-out. An opt-in needs a legal basis. */
  record(input: ConsentInput, options?: CommandOptions): Promise<ConsentEntry>;
  /** Appends an opt-in. */
  optIn(input: Omit<ConsentInput, "action">, options?: CommandOptions): Promise<ConsentEntry>;
  /** Appends an opt-out. */
  optOut(input: Omit<ConsentInput, "action" | "legalBasis"> & { legalBasis?: ConsentInput["legalBasis"] }, options?: CommandOptions): Promise<ConsentEntry>;
  /** Suppresses a channel (or all channels) of a relation, e.g. after a hard bounce or a "never contact" request. */
  suppress(input: SuppressionInput, options?: CommandOptions): Promise<SuppressionEntry>;
  /** Lifts a suppression of a channel (or of `all`). */
  lift(input: SuppressionInput, options?: CommandOptions): Promise<SuppressionEntry>;
  /** A relation's consent entries, oldest first. */
  ledger(relationId: string): Promise<ConsentEntry[]>;
  /** A relation's suppression entries, oldest first. */
  suppressions(relationId: string): Promise<SuppressionEntry[]>;
  /** The current state derived from both ledgers. */
  state(relationId: string): Promise<ConsentState>;
  /** Whether the relation may be contacted on a channel for a purpose, and if not, why not. */
  canContact(relationId: string, channel: ConsentChannel, purpose: string): Promise<{ allowed: boolean; reason: ContactBlock | null }>;
}

async function assertRelation(command: CommandScope, relationId: string): Promise<void> {
  const [relation] = await command.store.relations.getMany([relationId]);
  if (!relation) throw new CrmError("INTEGRITY", `Relation ${relationId} does not exist`, { entity: "relation", id: relationId, reason: "missing_relation" });
}

/** Appends a consent entry with its history entry and event (also used by campaign opt-outs). */
export async function appendConsent(command: CommandScope, entry: ConsentEntry): Promise<ConsentEntry> {
  await command.store.consent.appendConsent(entry);
  const changes = Object.fromEntries(
    Object.entries(entry)
      .filter(([k]) => k !== "id")
      .map(([k, v]) => [k, { from: null, to: v }]),
  );
  await command.record({
    entityType: "consent",
    entityId: entry.id,
    action: "create",
    version: 1,
    changes,
    eventType: entry.action === "opt_in" ? "consent.opted_in" : "consent.opted_out",
    payload: entry,
  });
  return entry;
}

/** Appends a suppression entry with its history entry and event (also used by campaign bounces). */
export async function appendSuppression(command: CommandScope, entry: SuppressionEntry): Promise<SuppressionEntry> {
  await command.store.consent.appendSuppression(entry);
  const changes = Object.fromEntries(
    Object.entries(entry)
      .filter(([k]) => k !== "id")
      .map(([k, v]) => [k, { from: null, to: v }]),
  );
  await command.record({
    entityType: "suppression",
    entityId: entry.id,
    action: "create",
    version: 1,
    changes,
    eventType: entry.action === "suppress" ? "suppression.added" : "suppression.lifted",
    payload: entry,
  });
  return entry;
}

/** Builds the consent service of a tenant. */
export function consentService(scope: TenantScope): ConsentService {
  const { ctx } = scope;

  const record: ConsentService["record"] = async (input, options) => {
    const parsed = parseOrThrow(consentInputSchema, input);
    return runCommand(scope, options, async (command) => {
      await assertRelation(command, parsed.relationId);
      return appendConsent(command, {
        id: ctx.newId(),
        relationId: parsed.relationId,
        channel: parsed.channel,
        purpose: parsed.purpose,
        action: parsed.action,
        legalBasis: parsed.legalBasis ?? null,
        source: parsed.source ?? command.actor.source,
        note: parsed.note ?? null,
        occurredAt: parsed.occurredAt ?? command.at,
        recordedAt: command.at,
        actor: command.actor.actor,
      });
    });
  };

  const suppression = (action: "suppress" | "lift") => async (input: SuppressionInput, options?: CommandOptions) => {
    const parsed = parseOrThrow(suppressionInputSchema, input);
    return runCommand(scope, options, async (command) => {
      await assertRelation(command, parsed.relationId);
      return appendSuppression(command, {
        id: ctx.newId(),
        relationId: parsed.relationId,
        channel: parsed.channel,
        action,
        reason: parsed.reason,
        source: parsed.source ?? command.actor.source,
        occurredAt: parsed.occurredAt ?? command.at,
        recordedAt: command.at,
        actor: command.actor.actor,
      });
    });
  };

  const state = async (relationId: string): Promise<ConsentState> => {
    expectId(relationId, "relationId");
    return runQuery(scope, async (store) =>
      deriveConsent(relationId, await store.consent.consentLedger(relationId), await store.consent.suppressionLedger(relationId)),
    );
  };

  return {
    record,
    optIn: (input, options) => record({ ...input, action: "opt_in" }, options),
    optOut: (input, options) => record({ ...input, action: "opt_out" }, options),
    suppress: suppression("suppress"),
    lift: suppression("lift"),
    ledger: (relationId) => runQuery(scope, (store) => store.consent.consentLedger(expectId(relationId, "relationId"))),
    suppressions: (relationId) => runQuery(scope, (store) => store.consent.suppressionLedger(expectId(relationId, "relationId"))),
    state,
    async canContact(relationId, channel, purpose) {
      parseOrThrow(z.object({ channel: z.enum(CONSENT_CHANNELS), purpose: purposeSchema }), { channel, purpose });
      const reason = contactBlock(await state(relationId), channel, purpose);
      return { allowed: reason === null, reason };
    },
  };
}
