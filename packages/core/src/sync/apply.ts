/**
 * Applies one remote change to the CRM, idempotently: applying the same change twice writes
 * nothing the second time. Runs inside the page's transaction (`tx` is a unit-bound tenant).
 */
import type { TenantCrm } from "../crm.js";
import { CrmError } from "../errors.js";
import type { CommandOptions } from "../services/command.js";
import type { SyncItemRecord, SyncStore } from "../storage-sync.js";
import type { InteractionDraft, RelationDraft, SyncChange } from "./connector.js";
import { ensureEmployment, matchParticipants, type MatchOptions } from "./matching.js";

/** What applying one change did. */
export type ApplyOutcome = "created" | "updated" | "unchanged" | "deleted" | { readonly skipped: string; readonly message: string };

/** Everything {@link applyChange} needs, bound to one page transaction. */
export interface ApplyEnv {
  readonly tx: TenantCrm;
  readonly sync: SyncStore;
  /** The connector id: the external-reference system of its relations. */
  readonly system: string;
  readonly account: string;
  readonly resource: string;
  /** The pass that items touched now belong to. */
  readonly pass: number;
  readonly now: string;
  /** Actor and source of every write, e.g. `sync:outlook`; the push phase ignores events from it. */
  readonly command: CommandOptions;
  readonly match: MatchOptions;
}

/** Writes the item row only when something in it differs, so replays write nothing. */
async function keepItem(env: ApplyEnv, current: SyncItemRecord | undefined, next: Omit<SyncItemRecord, "account" | "resource" | "updatedAt">): Promise<void> {
  if (
    current &&
    current.entityType === next.entityType &&
    current.entityId === next.entityId &&
    current.changeKey === next.changeKey &&
    current.origin === next.origin &&
    current.pass === next.pass
  ) {
    return;
  }
  await env.sync.putItem({ ...next, account: env.account, resource: env.resource, updatedAt: env.now });
}

async function applyRelation(env: ApplyEnv, externalId: string, changeKey: string | null, draft: RelationDraft): Promise<ApplyOutcome> {
  const { tx, system, command } = env;
  const item = await env.sync.getItem(env.account, env.resource, externalId);
  const itemBase = (entityId: string, origin: "created" | "matched") => ({
    externalId,
    entityType: "relation" as const,
    entityId,
    changeKey,
    origin,
    pass: env.pass,
  });
  // The change key says the remote item is the one we already applied (or pushed ourselves).
  if (item && changeKey !== null && item.changeKey === changeKey) {
    const known = await tx.relations.get(item.entityId);
    if (known) {
      await keepItem(env, item, itemBase(item.entityId, item.origin));
      return "unchanged";
    }
  }
  const ref = { system, externalId };
  let origin: "created" | "matched" = item?.origin ?? "created";
  let outcome: ApplyOutcome;
  let relationId: string;
  const holder = await tx.relations.findByExternalRef(system, externalId);
  const byEmail = holder ? undefined : await findByEmails(tx, draft);
  if (byEmail) {
    // An existing relation (e.g. from the ERP) gets the remote's fields and our reference.
    const { kind: _kind, ...patch } = draft.input;
    const updated = await tx.relations.update(
      byEmail.id,
      { ...patch, externalRefs: [...byEmail.externalRefs, ref] },
      { ...command, expectedVersion: byEmail.version },
    );
    origin = "matched";
    relationId = updated.id;
    outcome = "updated";
  } else {
    const result = await tx.relations.upsertByExternalRef(ref, draft.input, command);
    relationId = result.relation.id;
    outcome = result.outcome;
  }
  if (draft.input.kind === "person") {
    const linked = await ensureEmployment(tx, system, relationId, draft.organisation, command);
    if (linked && outcome === "unchanged") outcome = "updated";
  }
  await keepItem(env, item, itemBase(relationId, origin));
  return outcome;
}

async function findByEmails(tx: TenantCrm, draft: RelationDraft) {
  for (const email of draft.input.emails ?? []) {
    const address = typeof email === "string" ? email : email.address;
    const found = (await tx.relations.findByEmail(address)).find((r) => r.kind === draft.input.kind);
    if (found) return found;
  }
  return undefined;
}

async function applyInteraction(env: ApplyEnv, externalId: string, key: string, draft: InteractionDraft): Promise<ApplyOutcome> {
  const { tx, command } = env;
  const item = await env.sync.getItem(env.account, env.resource, externalId);
  if (draft.bulk) {
    if (item) await removeItem(env, item);
    return { skipped: "bulk_mail", message: "List or bulk mail is not imported" };
  }
  const existing = await tx.interactions.findByExternalKey(key);
  let outcome: ApplyOutcome;
  let entityId: string;
  if (existing) {
    let current = existing;
    if (current.deletedAt) current = await tx.interactions.restore(current.id, { ...command, expectedVersion: current.version });
    // Only fields that read the same from every mailbox are kept in step; participants and
    // direction are settled when the interaction is first logged.
    const updated = await tx.interactions.update(
      current.id,
      { occurredAt: draft.occurredAt, subject: draft.subject ?? null, body: draft.body ?? null, outcome: draft.outcome ?? null },
      { ...command, expectedVersion: current.version },
    );
    outcome = updated.version === existing.version ? "unchanged" : "updated";
    entityId = existing.id;
  } else {
    const participants = await matchParticipants(tx, draft.participants, env.match, env.system, command);
    if (!participants.some((p) => p.relationId)) {
      if (item) await removeItem(env, item);
      return { skipped: "no_relation", message: "No participant is a known relation (unknown-address policy left them out)" };
    }
    const { interaction } = await tx.interactions.log(
      {
        kind: draft.kind,
        direction: draft.direction ?? null,
        channel: draft.channel ?? null,
        occurredAt: draft.occurredAt,
        subject: draft.subject ?? null,
        body: draft.body ?? null,
        outcome: draft.outcome ?? null,
        participants,
        externalKey: key,
      },
      command,
    );
    outcome = "created";
    entityId = interaction.id;
  }
  await keepItem(env, item, {
    externalId,
    entityType: "interaction",
    entityId,
    changeKey: item?.changeKey ?? null,
    origin: item?.origin ?? "created",
    pass: env.pass,
  });
  return outcome;
}

/**
 * Forgets a remote item and removes what it stood for, unless another item (another folder,
 * mailbox or resource) still maps to the same entity. A relation that sync created is
 * soft-deleted; one it matched (it existed before) only loses the reference.
 */
export async function removeItem(env: ApplyEnv, item: SyncItemRecord): Promise<ApplyOutcome> {
  const { tx, command } = env;
  await env.sync.deleteItem(item.account, item.resource, item.externalId);
  const others = await env.sync.findItemsByEntity(item.entityType, item.entityId);
  if (others.length > 0) return "unchanged";
  if (item.entityType === "interaction") {
    const interaction = await tx.interactions.get(item.entityId);
    if (!interaction) return "unchanged";
    await tx.interactions.delete(interaction.id, { ...command, expectedVersion: interaction.version });
    return "deleted";
  }
  const relation = await tx.relations.get(item.entityId);
  if (!relation) return "unchanged";
  if (item.origin === "created") {
    await tx.relations.delete(relation.id, { ...command, expectedVersion: relation.version });
  } else {
    const externalRefs = relation.externalRefs.filter((r) => !(r.system === env.system && r.externalId === item.externalId));
    await tx.relations.update(relation.id, { externalRefs }, { ...command, expectedVersion: relation.version });
  }
  return "deleted";
}

/** Applies one change; see the module comment. Throws CrmError for what the CRM refuses. */
export async function applyChange(env: ApplyEnv, change: SyncChange): Promise<ApplyOutcome> {
  switch (change.type) {
    case "relation":
      return applyRelation(env, change.externalId, change.changeKey ?? null, change.relation);
    case "interaction":
      return applyInteraction(env, change.externalId, change.key, change.interaction);
    case "removed": {
      const item = await env.sync.getItem(env.account, env.resource, change.externalId);
      return item ? removeItem(env, item) : "unchanged";
    }
    case "invalid": {
      // Keep a known item in this pass, so a temporarily unreadable item is not reconciled away.
      const item = await env.sync.getItem(env.account, env.resource, change.externalId);
      if (item && item.pass !== env.pass) await env.sync.putItem({ ...item, pass: env.pass, updatedAt: env.now });
      return { skipped: "invalid_payload", message: change.reason };
    }
    default:
      throw new CrmError("VALIDATION", `Unknown sync change type ${(change as { type: unknown }).type}`, { reason: "unknown_change" });
  }
}
