import { createCrm, type TenantCrm } from "@kaartenbak/core";
import type { StorageAdapter } from "@kaartenbak/core";
import { DemoClock, seedSalesHistory } from "./seed.js";
import { money, moneys, percent, table } from "./table.js";

/** Runs the sales demo on a migrated storage and prints readable tables through `print`. */
export async function runSalesDemo(storage: StorageAdapter, print: (line: string) => void = console.log): Promise<TenantCrm> {
  const clock = new DemoClock();
  const crm = createCrm({ storage, defaultRegion: "NL", clock: clock.now });
  const t = crm.tenant(`sales-${Date.now().toString(36)}`, { actor: "user:sanne", source: "demo" });
  const { pipeline, oven, quote, customers } = await seedSalesHistory(t, clock);
  const stageName = new Map(pipeline.stages.map((s) => [s.id, s.name]));

  print(`Kaartenbak sales demo (tenant ${t.tenantId}, ${storage.id}), as of ${clock.now().toISOString().slice(0, 10)}\n`);
  print(`Pipeline "${pipeline.name}"`);
  print(
    table(
      ["#", "stage", "kind", "win %"],
      pipeline.stages.map((s) => [String(s.position + 1), s.name, s.kind, String(s.probability)]),
    ),
  );

  print("\nDeals");
  const deals = (await t.deals.list({ pipelineId: pipeline.id, limit: 100 })).items;
  print(
    table(
      ["deal", "customer", "owner", "stage", "value", "expected close"],
      [...deals]
        .reverse()
        .map((d) => [
          d.title,
          customers.get(d.relationId) ?? d.relationId,
          d.ownerId ?? "",
          stageName.get(d.stageId) ?? d.stageId,
          money(d),
          d.expectedCloseDate ?? "",
        ]),
    ),
  );

  print(`\nQuote "${quote.title}", revision ${quote.revision} (${quote.status}); every line rounded half up, totals are the sums of the lines`);
  print(
    table(
      ["line", "qty", "unit price", "disc %", "tax %", "net", "tax", "total"],
      quote.lines.map((l) => [
        l.description,
        l.quantity,
        money({ amount: l.unitPrice, currency: quote.currency }),
        l.discount,
        l.taxRate,
        money({ amount: l.net, currency: quote.currency }),
        money({ amount: l.tax, currency: quote.currency }),
        money({ amount: l.total, currency: quote.currency }),
      ]),
    ),
  );
  print(
    `  subtotal ${money({ amount: quote.subtotal, currency: quote.currency })}, tax ${money({ amount: quote.taxTotal, currency: quote.currency })}, total ${money({ amount: quote.total, currency: quote.currency })}`,
  );
  const order = (await t.orders.getByQuote(quote.id))!;
  print(
    `  accepted: order ${order.id.slice(0, 8)} of ${money({ amount: order.netAmount, currency: order.currency })} net on ${order.orderDate}; deal "${oven.title}" is ${oven.status}`,
  );
  const revisions = await t.quotes.revisions(quote.id);
  print(`  revisions kept: ${revisions.map((q) => `r${q.revision} ${q.status} ${money({ amount: q.total, currency: q.currency })}`).join(", ")}`);

  print("\nFunnel (deals now, and conversion of deals that reached each stage this quarter)");
  const funnel = await t.reports.funnel({ pipelineId: pipeline.id, from: "2026-01-01", to: "2026-04-01" });
  print(
    table(
      ["stage", "deals", "value now", "reached", "to next"],
      funnel.stages.map((s) => [
        s.name,
        String(s.current.count),
        moneys(s.current.value),
        s.reached === null ? "-" : String(s.reached),
        percent(s.conversionToNext),
      ]),
    ),
  );

  print("\nForecast per month, per currency (weighted = amount × stage probability)");
  const forecast = await t.reports.forecast({ pipelineId: pipeline.id, from: "2026-01-01", to: "2026-07-01" });
  const forecastRows = (f: typeof forecast) =>
    f.periods.map((p) => [p.period, String(p.openCount), moneys(p.openValue), moneys(p.weighted), moneys(p.wonValue), moneys(p.committed), moneys(p.expected)]);
  const forecastHeader = ["month", "open", "open value", "weighted", "won", "committed", "expected"];
  print(table(forecastHeader, forecastRows(forecast)));
  print("\nThe same forecast in EUR, at the host's rate USD → EUR 0.9213 (converted per figure, rounded half up)");
  const inEuro = await t.reports.forecast({
    pipelineId: pipeline.id,
    from: "2026-01-01",
    to: "2026-07-01",
    currency: "EUR",
    rates: [{ from: "USD", to: "EUR", rate: "0.9213" }],
  });
  print(table(forecastHeader, forecastRows(inEuro)));

  print("\nResults per account manager this quarter");
  const owners = await t.reports.ownerResults({ from: "2026-01-01", to: "2026-04-01" });
  print(
    table(
      ["owner", "won", "lost", "win rate", "won value", "avg deal", "avg cycle (days)"],
      owners.owners.map((o) => [
        o.ownerId ?? "(none)",
        String(o.won),
        String(o.lost),
        percent(o.winRate),
        moneys(o.wonValue),
        moneys(o.averageDealSize),
        o.averageCycleDays === null ? "-" : o.averageCycleDays.toFixed(1),
      ]),
    ),
  );

  print("\nDays in each stage (stays that ended this quarter)");
  const velocity = await t.reports.stageVelocity({ pipelineId: pipeline.id, from: "2026-01-01", to: "2026-04-01" });
  print(
    table(
      ["stage", "stays", "mean", "median"],
      velocity.stages.filter((s) => s.visits > 0).map((s) => [s.name, String(s.visits), s.meanDays!.toFixed(1), s.medianDays!.toFixed(1)]),
    ),
  );

  print("\nRealised revenue (orders) per customer this quarter");
  const orders = await t.reports.orders({ groupBy: "customer", from: "2026-01-01", to: "2026-04-01" });
  print(
    table(
      ["customer", "orders", "net"],
      orders.groups.map((g) => [g.label ?? String(g.key), String(g.orders), moneys(g.net)]),
    ),
  );

  print(`\nTimeline of "${oven.title}"`);
  const timeline = await t.deals.timeline(oven.id);
  print(
    table(
      ["when (UTC)", "kind", "subject"],
      timeline.items.map((i) => [i.occurredAt.slice(0, 16).replace("T", " "), i.kind, i.subject ?? ""]),
    ),
  );
  const history = await t.deals.stageHistory(oven.id);
  print(`  stages: ${history.map((h) => `${stageName.get(h.stageId)} ${h.enteredAt.slice(5, 10)}`).join(" → ")}`);
  print(`  outbox: ${(await t.outbox.read({ limit: 1000 })).length} events; quantities and rates are exact decimals (e.g. 1.5 days of installation)`);
  return t;
}
