import { notFound, validationError, type ValidationIssue } from "../errors.js";
import { expectId, instantSchema, parseOrThrow, throwIfIssues } from "../model/common.js";
import type { Relation } from "../model/relation.js";
import {
  DEFAULT_VERIFICATION_POLICY,
  kindOfKey,
  verificationPolicySchema,
  type DueField,
  type FieldVerification,
  type VerificationPolicy,
  type VerifiedFieldKey,
  type VerifyField,
} from "../model/verification.js";
import { normaliseEmail, normalisePhone } from "../normalise.js";
import type { TenantStore } from "../storage.js";
import { currentFields, dueFields } from "./verification-fields.js";
import { runCommand, runQuery, type CommandOptions, type TenantScope } from "./command.js";

/** Options of {@link VerificationService.due}. */
export interface DueOptions {
  /** The moment to judge staleness at; default now. */
  readonly at?: string | Date;
}

/** The result of {@link VerificationService.verify}. */
export interface VerifyResult {
  readonly relationId: string;
  /** The confirmations written, one per field. */
  readonly verified: readonly FieldVerification[];
}

/** Per-field verification of one tenant's relations: what was confirmed when, by whom, from where. */
export interface VerificationService {
  /** The confirmations of a relation's fields (values it no longer holds are not listed). */
  list(relationId: string): Promise<FieldVerification[]>;
  /**
   * The relation's fields due for verification under the tenant's policy: the question to ask at
   * the moment of contact ("is this still right?").
   *
   * @example
   * for (const f of await acme.verification.due(id)) console.log(`Still right? ${f.field}: ${String(f.value)}`);
   */
  due(relationId: string, options?: DueOptions): Promise<DueField[]>;
  /**
   * Confirms fields without changing them: a history entry (action `verify`) and a
   * `relation.verified` event. `email` / `phone` confirm every address or number the relation has.
   * A field the relation holds no value for is refused with VALIDATION.
   *
   * @example
   * await acme.verification.verify(id, ["name", "email:anna@acme.nl"], { source: "user" });
   */
  verify(relationId: string, fields: readonly VerifyField[], options?: CommandOptions): Promise<VerifyResult>;
  /** The tenant's policy (the default when it never set one). */
  policy(): Promise<VerificationPolicy>;
  /** Replaces the tenant's policy: the maximum age in days per kind of field and per attribute. */
  setPolicy(policy: VerificationPolicy, options?: CommandOptions): Promise<VerificationPolicy>;
}

/** The person's current job title: from an employment link without an end, or ending today or later. */
export async function currentJobTitle(store: TenantStore, relation: Relation, today: string): Promise<string | null> {
  if (relation.kind !== "person") return null;
  let title: string | null = null;
  for (const link of await store.links.listForRelation(relation.id)) {
    if (link.kind === "employment" && link.fromId === relation.id && link.jobTitle && (!link.validTo || link.validTo >= today)) title = link.jobTitle;
  }
  return title;
}

/** The due fields of each relation, read in the caller's transaction (used by `interactions.log` too). */
export async function dueFor(store: TenantStore, relationIds: readonly string[], now: string): Promise<Record<string, DueField[]>> {
  const policy = (await store.verification.getPolicy()) ?? DEFAULT_VERIFICATION_POLICY;
  const relations = await store.relations.getMany(relationIds);
  const verifications = await store.verification.list(relationIds);
  const out: Record<string, DueField[]> = {};
  for (const relation of relations) {
    if (relation.deletedAt) continue;
    const fields = currentFields(relation, await currentJobTitle(store, relation, now.slice(0, 10)));
    out[relation.id] = dueFields(
      fields,
      verifications.filter((v) => v.relationId === relation.id),
      policy,
      now,
    );
  }
  return out;
}

async function liveRelation(store: TenantStore, id: string): Promise<Relation> {
  const relation = await store.relations.get(id);
  if (!relation || relation.deletedAt) throw notFound("relation", id);
  return relation;
}

/** Resolves `verify`'s field names to the relation's field keys; every problem is named. */
function resolveFields(fields: unknown, held: ReadonlyMap<VerifiedFieldKey, unknown>, region: Parameters<typeof normalisePhone>[1]): VerifiedFieldKey[] {
  const issues: ValidationIssue[] = [];
  if (!Array.isArray(fields) || fields.length === 0 || fields.length > 200) {
    throw validationError([{ path: ["fields"], message: "Expected a list of 1-200 field names", code: "invalid_type" }]);
  }
  const keys = new Set<VerifiedFieldKey>();
  fields.forEach((field: unknown, index) => {
    if (typeof field !== "string") {
      issues.push({ path: ["fields", index], message: "Expected a field name such as name or email:anna@acme.nl", code: "invalid_type" });
      return;
    }
    if (field === "email" || field === "phone") {
      for (const key of held.keys()) if (key.startsWith(`${field}:`)) keys.add(key);
      if (![...held.keys()].some((k) => k.startsWith(`${field}:`))) {
        issues.push({ path: ["fields", index], message: `The relation has no ${field === "email" ? "e-mail address" : "phone number"}`, code: "no_value" });
      }
      return;
    }
    const kind = kindOfKey(field);
    let key = field as VerifiedFieldKey;
    if (kind === "email") key = `email:${normaliseEmail(field.slice(6))}`;
    if (kind === "phone") key = `phone:${normalisePhone(field.slice(6), region) ?? field.slice(6)}`;
    if (!kind) issues.push({ path: ["fields", index], message: `Unknown field ${JSON.stringify(field.slice(0, 80))}`, code: "invalid_field" });
    else if (!held.has(key)) issues.push({ path: ["fields", index], message: `The relation holds no value for ${field.slice(0, 80)}`, code: "no_value" });
    else keys.add(key);
  });
  if (issues.length > 0) throw validationError(issues);
  return [...keys];
}

/** Builds the verification service of a tenant. */
export function verificationService(scope: TenantScope): VerificationService {
  const { ctx } = scope;
  return {
    async list(relationId) {
      expectId(relationId, "relationId");
      return runQuery(scope, async (store) => {
        await liveRelation(store, relationId);
        return store.verification.list([relationId]);
      });
    },

    async due(relationId, options) {
      expectId(relationId, "relationId");
      const at = options?.at === undefined ? undefined : parseOrThrow(instantSchema, options.at);
      return runQuery(scope, async (store) => {
        await liveRelation(store, relationId);
        return (await dueFor(store, [relationId], at ?? ctx.now()))[relationId] ?? [];
      });
    },

    async verify(relationId, fields, options) {
      expectId(relationId, "relationId");
      return runCommand(scope, options, async (command) => {
        const relation = await liveRelation(command.store, relationId);
        const held = currentFields(relation, await currentJobTitle(command.store, relation, command.at.slice(0, 10)));
        const keys = resolveFields(fields, held, ctx.region);
        const before = new Map((await command.store.verification.list([relationId])).map((v) => [v.field, v.verifiedAt]));
        const verified: FieldVerification[] = keys.map((field) => ({
          relationId,
          field,
          kind: kindOfKey(field)!,
          verifiedAt: command.at,
          verifiedBy: command.actor.actor,
          source: command.actor.source,
        }));
        await command.store.verification.confirm(verified);
        await command.record({
          entityType: "relation",
          entityId: relationId,
          action: "verify",
          version: relation.version,
          changes: Object.fromEntries(keys.map((k) => [`verified:${k}`, { from: before.get(k) ?? null, to: command.at }])),
          eventType: "relation.verified",
          payload: { relationId, verified },
        });
        return { relationId, verified };
      });
    },

    async policy() {
      return runQuery(scope, async (store) => (await store.verification.getPolicy()) ?? DEFAULT_VERIFICATION_POLICY);
    },

    async setPolicy(policy, options) {
      const parsed = parseOrThrow(verificationPolicySchema, policy) as VerificationPolicy;
      // Only attributes of the registry: a policy naming an unknown one would silently never apply.
      throwIfIssues(
        Object.keys(parsed.attributes ?? {})
          .filter((name) => !Object.hasOwn(ctx.registry.attributes, name))
          .map((name) => ({ path: ["attributes", name], message: `The attribute registry has no attribute ${name}`, code: "unknown_attribute" })),
      );
      return runCommand(scope, options, async (command) => {
        await command.store.verification.setPolicy(parsed, command.at);
        return parsed;
      });
    },
  };
}
