import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Hono } from "hono";
import type { TenantCrm } from "@kaartenbak/core";
import { dashboardData, STALE_DAYS, perCurrency } from "./data.js";
import { formatMoney, formatPercent, LABELS, langOf, type Lang } from "./labels.js";

// The browser build of Chart.js, served by this server: no CDN, nothing to bundle.
const chartJs = readFileSync(join(dirname(createRequire(import.meta.url).resolve("chart.js")), "chart.umd.min.js"), "utf8");

/** HTML-escapes text. */
const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(lang: Lang, title: string, body: string): string {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>${esc(title)}</title>
<script src="/static/chart.umd.min.js"></script>
<style>body{font-family:system-ui,sans-serif;margin:1.5rem;background:#f6f7f9;color:#222}h1{margin:0 0 1rem}
.grid{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:1rem}section{background:#fff;border-radius:8px;padding:1rem;box-shadow:0 1px 3px #0002}
table{border-collapse:collapse;width:100%;font-size:.9rem}td,th{text-align:left;padding:.2rem .4rem;border-bottom:1px solid #eee}canvas{max-height:220px}</style>
</head><body>${body}</body></html>`;
}

/** A bar chart of one currency (or of counts), drawn by Chart.js in the browser. */
function chart(id: string, labels: readonly string[], datasets: ReadonlyArray<{ label: string; data: readonly number[] }>): string {
  const config = { type: "bar", data: { labels, datasets }, options: { animation: false, responsive: true } };
  return `<canvas id="${id}"></canvas><script>new Chart(document.getElementById(${JSON.stringify(id)}), ${JSON.stringify(config).replace(/</g, "\\u003c")});</script>`;
}

/** The dashboard app for one tenant: `/` (the dashboard), `/relations/:id` (a relation's timeline). */
export function dashboardApp(t: TenantCrm): Hono {
  const app = new Hono();
  app.get("/static/chart.umd.min.js", (c) => c.body(chartJs, 200, { "content-type": "text/javascript" }));

  app.get("/", async (c) => {
    const lang = langOf(c.req.query("lang"));
    const L = LABELS[lang];
    const d = await dashboardData(t);
    const q = `?lang=${lang}`;
    const name = new Map(d.relations.map((r) => [r.id, r.name]));
    const stages = d.funnel?.stages.filter((s) => s.kind !== "lost") ?? [];
    const funnelRows = stages
      .map(
        (s) =>
          `<tr data-stage="${esc(s.name)}"><td>${esc(s.name)}</td><td data-testid="funnel-count">${s.current.count}</td><td>${s.current.value.map((m) => formatMoney(m.amount, m.currency, lang)).join(" · ")}</td><td>${s.reached ?? "–"}</td><td>${formatPercent(s.conversionToNext)}</td></tr>`,
      )
      .join("");
    const funnelCharts = perCurrency(stages.map((s) => ({ label: s.name, money: s.current.value })))
      .map((series) =>
        chart(`funnel-${series.currency}`, series.labels, [{ label: `${L.value} (${series.currency})`, data: series.values.map((v) => v / 100) }]),
      )
      .join("");
    const forecastCharts = perCurrency(d.forecast.periods.map((p) => ({ label: p.period, money: p.weighted })))
      .map((series) =>
        chart(`forecast-${series.currency}`, series.labels, [{ label: `${L.weighted} (${series.currency})`, data: series.values.map((v) => v / 100) }]),
      )
      .join("");
    const ownerRows = d.owners.owners
      .map(
        (o) =>
          `<tr><td>${esc(o.ownerId ?? "–")}</td><td>${o.won}</td><td>${o.lost}</td><td>${formatPercent(o.winRate)}</td><td>${o.wonValue.map((m) => `<span data-testid="won-${esc(o.ownerId)}-${m.currency}" data-value="${m.amount}">${formatMoney(m.amount, m.currency, lang)}</span>`).join(" · ")}</td></tr>`,
      )
      .join("");
    const show = (metric: string, amount: number, currency: string | null) => (currency ? formatMoney(amount, currency, lang) : String(amount));
    const attainmentRows = d.attainment.rows
      .map(
        (r) =>
          `<tr data-testid="attainment-${esc(r.ownerId ?? "all")}-${r.metric}" data-target="${r.target}" data-actual="${r.actual}"><td>${esc(r.ownerId ?? "–")}</td><td>${L[r.metric]}</td><td>${show(r.metric, r.target, r.currency)}</td><td>${show(r.metric, r.actual, r.currency)}</td><td>${formatPercent(r.attainment)}</td></tr>`,
      )
      .join("");
    const attainmentCharts = [...new Set(d.attainment.rows.map((r) => `${r.metric}|${r.currency ?? ""}`))]
      .map((key) => {
        const rows = d.attainment.rows.filter((r) => `${r.metric}|${r.currency ?? ""}` === key);
        const unit = rows[0]!.currency ?? L.deals;
        const scale = rows[0]!.currency ? 100 : 1;
        return chart(
          `attainment-${key.replace("|", "-")}`,
          rows.map((r) => r.ownerId ?? "–"),
          [
            { label: `${L.target} ${L[rows[0]!.metric]} (${unit})`, data: rows.map((r) => r.target / scale) },
            { label: `${L.actual} (${unit})`, data: rows.map((r) => r.actual / scale) },
          ],
        );
      })
      .join("");
    const segmentRows = d.segments.map((s) => `<tr><td>${esc(s.name)}</td><td data-testid="segment-size">${s.size}</td></tr>`).join("");
    const attention = d.attention.length
      ? d.attention
          .map(
            (a) =>
              `<li data-testid="attention"><a href="/relations/${esc(a.relationId)}${q}">${esc(name.get(a.relationId) ?? a.relationId)}</a>: ${esc(a.title)} — ${L[a.kind].replace("{days}", String(STALE_DAYS))}${a.since ? ` (${esc(a.since)})` : ""}</li>`,
          )
          .join("")
      : `<li>${L.none}</li>`;
    const relations = d.relations.map((r) => `<li><a data-testid="relation-link" href="/relations/${esc(r.id)}${q}">${esc(r.name)}</a></li>`).join("");
    const body = `<h1>${L.title} <small>${esc(d.month)}</small> · <a href="?lang=${lang === "nl" ? "en" : "nl"}">${lang === "nl" ? "English" : "Nederlands"}</a></h1>
<div class="grid">
<section id="funnel"><h2>${L.funnel}</h2>${funnelCharts}<table><tr><th>${L.stage}</th><th>${L.deals}</th><th>${L.value}</th><th>${L.reached}</th><th>${L.conversion}</th></tr>${funnelRows}</table></section>
<section id="forecast"><h2>${L.forecast}</h2>${forecastCharts}<table><tr><th>${L.period}</th><th>${L.weighted}</th><th>${L.won}</th></tr>${d.forecast.periods.map((p) => `<tr><td>${p.period}</td><td>${p.weighted.map((m) => formatMoney(m.amount, m.currency, lang)).join(" · ")}</td><td>${p.wonValue.map((m) => formatMoney(m.amount, m.currency, lang)).join(" · ")}</td></tr>`).join("")}</table></section>
<section id="owners"><h2>${L.owners}</h2><table><tr><th>${L.owner}</th><th>${L.won}</th><th>${L.lost}</th><th>${L.winRate}</th><th>${L.wonValue}</th></tr>${ownerRows}</table>
<h3>${L.attainment}</h3>${attainmentCharts}<table><tr><th>${L.owner}</th><th>${L.metric}</th><th>${L.target}</th><th>${L.actual}</th><th>%</th></tr>${attainmentRows}</table></section>
<section id="side"><h2>${L.attention}</h2><ul>${attention}</ul><h2>${L.segments}</h2><table><tr><th>${L.segment}</th><th>${L.size}</th></tr>${segmentRows}</table><h2>${L.relations}</h2><ul>${relations}</ul></section>
</div>`;
    return c.html(page(lang, L.title, body));
  });

  app.get("/relations/:id", async (c) => {
    const lang = langOf(c.req.query("lang"));
    const L = LABELS[lang];
    const relation = await t.relations.get(c.req.param("id")).catch(() => undefined);
    if (!relation) return c.html(page(lang, L.title, `<p><a href="/?lang=${lang}">${L.back}</a></p>`), 404);
    const { items } = await t.interactions.timeline(relation.id, { limit: 50 });
    const list = items
      .map((i) => `<li data-testid="timeline-item"><time>${esc(i.occurredAt.slice(0, 10))}</time> ${esc(i.kind)}: ${esc(i.subject ?? "")}</li>`)
      .join("");
    return c.html(
      page(
        lang,
        relation.name,
        `<p><a href="/?lang=${lang}">${L.back}</a></p><h1 data-testid="relation-name">${esc(relation.name)}</h1><h2>${L.timeline}</h2><ol>${list || `<li>${L.none}</li>`}</ol>`,
      ),
    );
  });
  return app;
}
