import { diffFields } from "../diff.js";
import { staleVersion } from "../errors.js";
import { parseOrThrow } from "../model/common.js";
import { safeNumber } from "../model/money.js";
import {
  attainmentQuerySchema,
  periodGranularity,
  targetInputSchema,
  targetRangeSchema,
  type AttainmentQuery,
  type AttainmentReport,
  type AttainmentRow,
  type Target,
  type TargetInput,
  type TargetListQuery,
} from "../model/target.js";
import type { AttainmentAggregateRow } from "../storage-targets.js";
import { runCommand, runQuery, type CommandOptions, type TenantScope } from "./command.js";
import { periodLabel } from "./report-periods.js";

/**
 * Sales targets and their attainment. Results are aggregated in the database (`store.targets`);
 * this service only matches them to the targets: an owner's target counts that owner's results, a
 * tenant-wide target (owner null) everybody's, and only results in the target's currency.
 */
export interface TargetService {
  /**
   * Sets a target: creates it, or replaces the amount of the target with the same owner, metric,
   * period and currency (event `target.set` either way; nothing is written when the amount is
   * unchanged).
   *
   * @example
   * await acme.targets.set({ ownerId: "user:anna", metric: "won_value", period: "2026-Q1", currency: "EUR", amount: 5_000_000 });
   */
  set(input: TargetInput, options?: CommandOptions): Promise<Target>;
  /** Targets in the periods `from` to `to` (both included), by period, owner (tenant-wide last), metric and currency. */
  list(query: TargetListQuery): Promise<Target[]>;
  /**
   * Each target in the periods with what was reached: won value, won count or order value.
   *
   * @example
   * const { rows } = await acme.targets.attainment({ from: "2026-01", to: "2026-03" });
   */
  attainment(query: AttainmentQuery): Promise<AttainmentReport>;
}

const FIELDS = ["amount"] as const satisfies readonly (keyof Target)[];

/** The first day of a period label and the first day after its last, as a half-open day range. */
export function periodDays(from: string, to: string): { from: string; to: string } {
  const start = (p: string) => (p.includes("Q") ? `${p.slice(0, 4)}-${String((Number(p.slice(6)) - 1) * 3 + 1).padStart(2, "0")}-01` : `${p}-01`);
  const last = start(to);
  const months = to.includes("Q") ? 3 : 1;
  const next = new Date(Date.UTC(Number(last.slice(0, 4)), Number(last.slice(5, 7)) - 1 + months, 1)).toISOString().slice(0, 10);
  return { from: start(from), to: next };
}

/** Builds the target service of a tenant. */
export function targetService(scope: TenantScope): TargetService {
  return {
    async set(input, options) {
      const parsed = parseOrThrow(targetInputSchema, input);
      const key = { ownerId: parsed.ownerId, metric: parsed.metric, period: parsed.period, currency: parsed.currency ?? null };
      return runCommand(scope, options, async (command) => {
        const current = await command.store.targets.getByKey(key);
        if (!current) {
          const target: Target = { id: scope.ctx.newId(), ...key, amount: parsed.amount, version: 1, createdAt: command.at, updatedAt: command.at };
          await command.store.targets.insert(target);
          await command.record({
            entityType: "target",
            entityId: target.id,
            action: "create",
            version: 1,
            changes: diffFields(undefined, target, FIELDS),
            eventType: "target.set",
            payload: target,
          });
          return target;
        }
        if (current.amount === parsed.amount) return current;
        const next: Target = { ...current, amount: parsed.amount, version: current.version + 1, updatedAt: command.at };
        if (!(await command.store.targets.update(next, current.version))) throw staleVersion("target", current.id, current.version);
        await command.record({
          entityType: "target",
          entityId: next.id,
          action: "update",
          version: next.version,
          changes: diffFields(current, next, FIELDS),
          eventType: "target.set",
          payload: next,
        });
        return next;
      });
    },

    async list(query) {
      const q = parseOrThrow(targetRangeSchema, query);
      return runQuery(scope, (store) => store.targets.list(q));
    },

    async attainment(query) {
      const q = parseOrThrow(attainmentQuerySchema, query);
      const granularity = periodGranularity(q.from);
      const { targets, results } = await runQuery(scope, async (store) => ({
        targets: await store.targets.list(q),
        results: await store.targets.results(granularity, periodDays(q.from, q.to)),
      }));
      // Index the aggregates by period, owner and currency; tenant-wide sums (owner 0: never an id) and
      // all-currency counts (currency `*`: never a code) are added up here.
      const index = (rows: readonly AttainmentAggregateRow[]) => {
        const byOwner = new Map<string, { count: number; amount: bigint }>();
        const add = (key: string, r: AttainmentAggregateRow) => {
          const sum = byOwner.get(key) ?? { count: 0, amount: 0n };
          byOwner.set(key, { count: sum.count + r.count, amount: sum.amount + r.amount });
        };
        for (const r of rows) {
          const period = periodLabel(r, granularity);
          add(JSON.stringify([period, r.ownerId, r.currency]), r);
          add(JSON.stringify([period, 0, r.currency]), r);
          add(JSON.stringify([period, r.ownerId, "*"]), r);
          add(JSON.stringify([period, 0, "*"]), r);
        }
        return byOwner;
      };
      const won = index(results.won);
      const orders = index(results.orders);
      const rows = targets.map((t): AttainmentRow => {
        const key = JSON.stringify([t.period, t.ownerId ?? 0, t.currency ?? "*"]);
        const found = (t.metric === "order_value" ? orders : won).get(key);
        const actual = t.metric === "won_count" ? (found?.count ?? 0) : safeNumber(found?.amount ?? 0n);
        return {
          targetId: t.id,
          period: t.period,
          ownerId: t.ownerId,
          metric: t.metric,
          currency: t.currency,
          target: t.amount,
          actual,
          attainment: t.amount === 0 ? null : actual / t.amount,
        };
      });
      return { granularity, from: q.from, to: q.to, rows };
    },
  };
}
