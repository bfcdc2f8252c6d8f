import { diffFields } from "../diff.js";
import { CrmError, type CrmErrorReason, notFound, staleVersion, validationError } from "../errors.js";
import { expectId, expectVersion, parseOrThrow } from "../model/common.js";
import type { Link, LinkInput, LinkKind, LinkPatch } from "../model/link.js";
import { checkValidity, linkInputSchema, linkPatchSchema } from "../model/link.js";
import type { RelationKind } from "../model/relation-kind.js";
import type { LinkRecord, TenantStore } from "../storage.js";
import { runCommand, runQuery, type CommandOptions, type TenantScope } from "./command.js";
import type { VersionedOptions } from "./relations.js";
import * as z from "zod";

/** Links between relations of one tenant. */
export interface LinkService {
  /**
   * Links two relations. Throws INTEGRITY when an end is missing, deleted or of the wrong kind, or
   * when a parent link would make the organisation tree cyclic.
   */
  create(input: LinkInput, options?: CommandOptions): Promise<Link>;
  /** Changes role, job title (employment only) or validity. */
  update(id: string, patch: LinkPatch, options: VersionedOptions): Promise<Link>;
  /** Removes a link; its history stays. To record that a link ended, set `validTo` instead. */
  remove(id: string, options: VersionedOptions): Promise<void>;
  /** A link by id. */
  get(id: string): Promise<Link | undefined>;
  /** Every link of a relation, at either end; with `activeOn` only links valid on that date (`YYYY-MM-DD`). */
  list(relationId: string, options?: { activeOn?: string }): Promise<Link[]>;
}

/** Which relation kinds each link kind joins. */
const ENDS: Record<LinkKind, readonly [RelationKind, RelationKind]> = {
  employment: ["person", "organisation"],
  household_member: ["person", "household"],
  parent_organisation: ["organisation", "organisation"],
};

export const LINK_FIELDS = ["role", "jobTitle", "validFrom", "validTo"] as const satisfies readonly (keyof LinkRecord)[];

/** The domain view of a stored link: named ends instead of from/to. */
export function toLink(r: LinkRecord): Link {
  const base = { id: r.id, role: r.role, validFrom: r.validFrom, validTo: r.validTo, version: r.version, createdAt: r.createdAt, updatedAt: r.updatedAt };
  switch (r.kind) {
    case "employment":
      return { ...base, kind: "employment", personId: r.fromId, organisationId: r.toId, jobTitle: r.jobTitle };
    case "household_member":
      return { ...base, kind: "household_member", personId: r.fromId, householdId: r.toId };
    case "parent_organisation":
      return { ...base, kind: "parent_organisation", organisationId: r.fromId, parentId: r.toId };
  }
}

function ends(input: z.output<typeof linkInputSchema>): [string, string] {
  switch (input.kind) {
    case "employment":
      return [input.personId, input.organisationId];
    case "household_member":
      return [input.personId, input.householdId];
    case "parent_organisation":
      return [input.organisationId, input.parentId];
  }
}

function integrity(message: string, reason: CrmErrorReason<"INTEGRITY">): CrmError {
  return new CrmError("INTEGRITY", message, { entity: "link", reason });
}

async function checkEnds(store: TenantStore, kind: LinkKind, fromId: string, toId: string): Promise<void> {
  const [fromKind, toKind] = ENDS[kind];
  const found = new Map((await store.relations.getMany([fromId, toId])).map((r) => [r.id, r]));
  for (const [id, want] of [
    [fromId, fromKind],
    [toId, toKind],
  ] as const) {
    const r = found.get(id);
    if (!r || r.deletedAt) throw integrity(`A ${kind} link needs relation ${id}, which does not exist`, "missing_relation");
    if (r.kind !== want) throw integrity(`A ${kind} link needs a ${want} at this end, but ${id} is a ${r.kind}`, "wrong_kind");
  }
  if (kind === "parent_organisation") {
    if (fromId === toId) throw integrity(`Organisation ${fromId} cannot be its own parent`, "cycle");
    const aboveParent = await store.links.ancestorsOf(toId);
    if (aboveParent.includes(fromId)) {
      throw integrity(`Making ${toId} the parent of ${fromId} would create a cycle: ${fromId} is already above ${toId}`, "cycle");
    }
  }
}

/** Builds the link service of a tenant. */
export function linkService(scope: TenantScope): LinkService {
  const { ctx } = scope;
  return {
    async create(input, options) {
      const parsed = parseOrThrow(linkInputSchema, input);
      const [fromId, toId] = ends(parsed);
      return runCommand(scope, options, async (command) => {
        await checkEnds(command.store, parsed.kind, fromId, toId);
        const record: LinkRecord = {
          id: ctx.newId(),
          kind: parsed.kind,
          fromId,
          toId,
          role: parsed.role ?? null,
          jobTitle: parsed.kind === "employment" ? (parsed.jobTitle ?? null) : null,
          validFrom: parsed.validFrom ?? null,
          validTo: parsed.validTo ?? null,
          version: 1,
          createdAt: command.at,
          updatedAt: command.at,
        };
        await command.store.links.insert(record);
        const link = toLink(record);
        await command.record({
          entityType: "link",
          entityId: record.id,
          action: "create",
          version: 1,
          changes: {
            kind: { from: null, to: record.kind },
            fromId: { from: null, to: fromId },
            toId: { from: null, to: toId },
            ...diffFields(undefined, record, LINK_FIELDS),
          },
          eventType: "link.created",
          payload: link,
        });
        return link;
      });
    },

    async update(id, patch, options) {
      expectId(id);
      const expected = expectVersion(options?.expectedVersion);
      const parsed = parseOrThrow(linkPatchSchema, patch);
      return runCommand(scope, options, async (command) => {
        const current = await command.store.links.get(id);
        if (!current) throw notFound("link", id);
        if (current.version !== expected) throw staleVersion("link", id, expected, current.version);
        if (parsed.jobTitle !== undefined && current.kind !== "employment") {
          throw validationError([
            { path: ["jobTitle"], message: `Only an employment link has a job title, not a ${current.kind} link`, code: "not_applicable" },
          ]);
        }
        const next: LinkRecord = {
          ...current,
          role: parsed.role !== undefined ? parsed.role : current.role,
          jobTitle: parsed.jobTitle !== undefined ? parsed.jobTitle : current.jobTitle,
          validFrom: parsed.validFrom !== undefined ? parsed.validFrom : current.validFrom,
          validTo: parsed.validTo !== undefined ? parsed.validTo : current.validTo,
          version: current.version + 1,
          updatedAt: command.at,
        };
        parseOrThrow(z.object({ validFrom: z.string().nullable(), validTo: z.string().nullable() }).superRefine(checkValidity), next);
        const changes = diffFields(current, next, LINK_FIELDS);
        if (Object.keys(changes).length === 0) return toLink(current);
        if (!(await command.store.links.update(next, expected))) throw staleVersion("link", id, expected);
        const link = toLink(next);
        await command.record({ entityType: "link", entityId: id, action: "update", version: next.version, changes, eventType: "link.updated", payload: link });
        return link;
      });
    },

    async remove(id, options) {
      expectId(id);
      const expected = expectVersion(options?.expectedVersion);
      return runCommand(scope, options, async (command) => {
        const current = await command.store.links.get(id);
        if (!current) throw notFound("link", id);
        if (current.version !== expected) throw staleVersion("link", id, expected, current.version);
        if (!(await command.store.links.delete(id, expected))) throw staleVersion("link", id, expected);
        await command.record({
          entityType: "link",
          entityId: id,
          action: "delete",
          version: current.version + 1,
          changes: { removed: { from: false, to: true } },
          eventType: "link.removed",
          payload: toLink(current),
        });
      });
    },

    async get(id) {
      expectId(id);
      const record = await runQuery(scope, (store) => store.links.get(id));
      return record && toLink(record);
    },

    async list(relationId, options) {
      expectId(relationId, "relationId");
      const day = options?.activeOn === undefined ? undefined : parseOrThrow(z.iso.date(), options.activeOn);
      const records = await runQuery(scope, (store) => store.links.listForRelation(relationId));
      return records.filter((r) => !day || ((!r.validFrom || r.validFrom <= day) && (!r.validTo || r.validTo >= day))).map(toLink);
    },
  };
}
