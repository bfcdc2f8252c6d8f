import * as z from "zod";

/** The three kinds of relation. */
export const RELATION_KINDS = ["person", "organisation", "household"] as const;
/** A person, an organisation or a household. */
export type RelationKind = (typeof RELATION_KINDS)[number];
/** zod schema of {@link RelationKind}. */
export const relationKindSchema = z.enum(RELATION_KINDS);

/** Where a relation stands with the tenant. */
export const LIFECYCLES = ["prospect", "lead", "customer", "former", "internal"] as const;
/** A relation's lifecycle stage. */
export type Lifecycle = (typeof LIFECYCLES)[number];
/** zod schema of {@link Lifecycle}. */
export const lifecycleSchema = z.enum(LIFECYCLES);
