import type { CrmEventType } from "../model/events.js";
import * as z from "zod";
import { diffFields } from "../diff.js";
import { CrmError, notFound, staleVersion } from "../errors.js";
import { expectVersion, parseOrThrow, textSchema } from "../model/common.js";
import { lostReasonCodeSchema, lostReasonInputSchema, type LostReason, type LostReasonInput } from "../model/deal.js";
import type { TenantStore } from "../storage.js";
import { runCommand, runQuery, type CommandOptions, type CommandScope, type TenantScope } from "./command.js";
import type { VersionedOptions } from "./relations.js";

/** The tenant-defined list of reasons why deals are lost. */
export interface LostReasonService {
  /** Adds a reason. Throws DUPLICATE when the code is taken. */
  define(input: LostReasonInput, options?: CommandOptions): Promise<LostReason>;
  /** Changes a reason's label; its code never changes (deals store it). */
  update(code: string, patch: { label?: string }, options: VersionedOptions): Promise<LostReason>;
  /** Retires a reason: no longer accepted for deals lost from now on; deals that have it keep it. */
  retire(code: string, options: VersionedOptions): Promise<LostReason>;
  /** A reason by code. */
  get(code: string): Promise<LostReason | undefined>;
  /** The reasons, by code; retired ones only with `includeRetired`. */
  list(options?: { includeRetired?: boolean }): Promise<LostReason[]>;
}

const FIELDS = ["code", "label", "retiredAt"] as const satisfies readonly (keyof LostReason)[];

/** Checks that a lost reason can be given to a deal now: it exists and is not retired. */
export async function assertUsableLostReason(store: TenantStore, code: string): Promise<void> {
  const reason = await store.lostReasons.get(code);
  if (!reason || reason.retiredAt) {
    throw new CrmError("INTEGRITY", `Lost reason ${code} is not on the tenant's list${reason ? " any more (retired)" : ""}`, {
      entity: "lost_reason",
      id: code,
      reason: "unknown_lost_reason",
    });
  }
}

/** Builds the lost-reason service of a tenant. */
export function lostReasonService(scope: TenantScope): LostReasonService {
  async function write(command: CommandScope, current: LostReason, next: LostReason, eventType: CrmEventType): Promise<LostReason> {
    const changes = diffFields(current, next, FIELDS);
    if (Object.keys(changes).length === 0) return current;
    if (!(await command.store.lostReasons.update(next, current.version))) throw staleVersion("lost_reason", current.code, current.version);
    await command.record({ entityType: "lost_reason", entityId: current.code, action: "update", version: next.version, changes, eventType, payload: next });
    return next;
  }

  async function load(store: TenantStore, code: string, expected: number): Promise<LostReason> {
    const current = await store.lostReasons.get(code);
    if (!current) throw notFound("lost_reason", code);
    if (current.version !== expected) throw staleVersion("lost_reason", code, expected, current.version);
    return current;
  }

  return {
    async define(input, options) {
      const parsed = parseOrThrow(lostReasonInputSchema, input);
      return runCommand(scope, options, async (command) => {
        if (await command.store.lostReasons.get(parsed.code)) {
          throw new CrmError("DUPLICATE", `Lost reason ${parsed.code} already exists`, { entity: "lost_reason", id: parsed.code, reason: "code_taken" });
        }
        const reason: LostReason = { code: parsed.code, label: parsed.label, retiredAt: null, version: 1, createdAt: command.at, updatedAt: command.at };
        await command.store.lostReasons.insert(reason);
        await command.record({
          entityType: "lost_reason",
          entityId: reason.code,
          action: "create",
          version: 1,
          changes: diffFields(undefined, reason, FIELDS),
          eventType: "lost_reason.defined",
          payload: reason,
        });
        return reason;
      });
    },

    async update(code, patch, options) {
      const key = parseOrThrow(lostReasonCodeSchema, code);
      const expected = expectVersion(options?.expectedVersion);
      const parsed = parseOrThrow(z.object({ label: textSchema.trim().min(1).max(200).optional() }).strict(), patch);
      return runCommand(scope, options, async (command) => {
        const current = await load(command.store, key, expected);
        const next = { ...current, label: parsed.label ?? current.label, version: current.version + 1, updatedAt: command.at };
        return write(command, current, next, "lost_reason.updated");
      });
    },

    async retire(code, options) {
      const key = parseOrThrow(lostReasonCodeSchema, code);
      const expected = expectVersion(options?.expectedVersion);
      return runCommand(scope, options, async (command) => {
        const current = await load(command.store, key, expected);
        if (current.retiredAt) return current;
        return write(command, current, { ...current, retiredAt: command.at, version: current.version + 1, updatedAt: command.at }, "lost_reason.retired");
      });
    },

    async get(code) {
      const key = parseOrThrow(lostReasonCodeSchema, code);
      return runQuery(scope, (store) => store.lostReasons.get(key));
    },

    async list(options) {
      const all = await runQuery(scope, (store) => store.lostReasons.list());
      return options?.includeRetired ? all : all.filter((r) => !r.retiredAt);
    },
  };
}
