/**
 * Employment links of a page's contacts, in bulk: what `ensureEmployment` (matching.ts) does for
 * one person (sync uses that for people it creates from addresses), for all persons of a segment,
 * with one look-up per question. The persons' links,
 * the organisations named (by our reference, then by exact name) and the organisations their
 * links point to are each read once; missing organisations are created in one bulk chunk and new
 * links inserted in one go. What is rare stays one by one: a job title that changed, a link to an
 * organisation sync created that the contact no longer names, an organisation to restore.
 */
import { linkInputSchema } from "../model/link.js";
import type { Relation } from "../model/relation.js";
import { nameKey } from "../normalise.js";
import { validationError } from "../errors.js";
import { zodIssues } from "../model/common.js";
import { orgSystem } from "./matching.js";
import { refusing, type PageBatch } from "./page-batch.js";

/** One person of the segment and the company its contact names (none: it names no company). */
export interface EmploymentDraft {
  /** The change's index in the page (a refusal names it). */
  readonly index: number;
  readonly personId: string;
  readonly organisation: { readonly name: string; readonly jobTitle?: string | null } | undefined;
}

/** The reference key of an organisation sync derives from a name (as `organisationNamed` has it). */
const keyOf = (name: string) => nameKey(name).slice(0, 300) || name.toLowerCase();

/** Makes each person's employment links agree with its contact's company; returns the persons written. */
export async function ensureEmployments(batch: PageBatch, all: readonly EmploymentDraft[]): Promise<Set<string>> {
  // Two remote items of one person: the later one's company is where the person ends up.
  const drafts = [...new Map(all.map((d) => [d.personId, d])).values()];
  const { env, store } = batch;
  const { tx, command } = env;
  const system = orgSystem(env.system);
  const wrote = new Set<string>();
  if (drafts.length === 0) return wrote;

  // The organisation each name stands for: ours by reference (restored when deleted), else the
  // oldest by exact name, else a new one with our reference.
  const names = new Map<string, string>();
  for (const d of drafts) if (d.organisation && !names.has(keyOf(d.organisation.name))) names.set(keyOf(d.organisation.name), d.organisation.name);
  const orgs = new Map<string, Relation>();
  if (names.size > 0) {
    const held = await store.bulk.relationsByExternalRefs([...names.keys()].map((externalId) => ({ system, externalId })));
    for (const r of held) {
      for (const ref of r.externalRefs) {
        if (ref.system !== system || !names.has(ref.externalId) || orgs.has(ref.externalId)) continue;
        const index = drafts.find((d) => d.organisation && keyOf(d.organisation.name) === ref.externalId)!.index;
        orgs.set(ref.externalId, r.deletedAt ? await refusing(index, () => tx.relations.restore(r.id, { ...command, expectedVersion: r.version })) : r);
      }
    }
    const byName = [...names].filter(([key, name]) => !orgs.has(key) && nameKey(name));
    const sameName = byName.length ? await store.bulk.liveRelationsByNameKeys("organisation", [...new Set(byName.map(([, name]) => nameKey(name)))]) : [];
    // The lowest id among equal names, as the name search's order gives it.
    const lowest = new Map<string, Relation>();
    for (const r of sameName) {
      const key = nameKey(r.name);
      if (!lowest.has(key) || r.id < lowest.get(key)!.id) lowest.set(key, r);
    }
    for (const [key, name] of byName) {
      const found = lowest.get(nameKey(name));
      if (found) orgs.set(key, found);
    }
    const missing = [...names].filter(([key]) => !orgs.has(key));
    if (missing.length > 0) {
      const inputs = missing.map(([key, name]) => ({ kind: "organisation" as const, name, externalRefs: [{ system, externalId: key }] }));
      const result = await batch.bulk.upsertRelationChunk(store, inputs, 0, command, batch.policy);
      if (result.invalid.length > 0) {
        const [first] = result.invalid;
        const index = drafts.find((d) => d.organisation && keyOf(d.organisation.name) === missing[first!.index]![0])!.index;
        await refusing(index, async () => {
          throw validationError(first!.issues);
        });
      }
      const created = new Map((await store.relations.getMany(result.items.map((i) => i.id))).map((r) => [r.id, r]));
      for (const { index, id } of result.items) orgs.set(missing[index]![0], created.get(id)!);
    }
  }

  // The persons' employment links, and the organisations those point to.
  const links = (await store.bulk.linksOfRelations(drafts.map((d) => d.personId))).filter((l) => l.kind === "employment");
  const linkedOrgIds = [...new Set(links.map((l) => l.toId))];
  const linked = new Map((linkedOrgIds.length ? await store.relations.getMany(linkedOrgIds) : []).map((r) => [r.id, r]));

  const creates: { personId: string; organisationId: string; jobTitle: string | null }[] = [];
  for (const d of drafts) {
    const target = d.organisation ? orgs.get(keyOf(d.organisation.name)) : undefined;
    const jobTitle = d.organisation?.jobTitle ?? null;
    const own = links.filter((l) => l.fromId === d.personId);
    for (const link of own) {
      if (target && link.toId === target.id) {
        if (link.jobTitle !== jobTitle) {
          await refusing(d.index, () => tx.links.update(link.id, { jobTitle }, { ...command, expectedVersion: link.version }));
          wrote.add(d.personId);
        }
        continue;
      }
      if (linked.get(link.toId)?.externalRefs.some((r) => r.system === system)) {
        await refusing(d.index, () => tx.links.remove(link.id, { ...command, expectedVersion: link.version }));
        wrote.add(d.personId);
      }
    }
    if (target && !own.some((l) => l.toId === target.id)) {
      const parsed = linkInputSchema.safeParse({ kind: "employment", personId: d.personId, organisationId: target.id, jobTitle });
      if (!parsed.success) {
        await refusing(d.index, async () => {
          throw validationError(zodIssues(parsed.error));
        });
      }
      creates.push({ personId: d.personId, organisationId: target.id, jobTitle });
      wrote.add(d.personId);
    }
  }
  await batch.bulk.createEmployments(store, creates, command);
  return wrote;
}
