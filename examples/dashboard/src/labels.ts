/** The page's words in Dutch and English; `?lang=en` or `?lang=nl` (default Dutch). */
export const LABELS = {
  nl: {
    title: "Verkoopdashboard",
    funnel: "Trechter en conversie",
    stage: "Fase",
    deals: "Deals",
    value: "Waarde",
    reached: "Bereikt",
    conversion: "Conversie naar volgende",
    forecast: "Gewogen prognose per maand",
    period: "Periode",
    weighted: "Gewogen",
    won: "Gewonnen",
    owners: "Resultaten per accountmanager",
    owner: "Accountmanager",
    lost: "Verloren",
    winRate: "Winstkans",
    wonValue: "Gewonnen waarde",
    attainment: "Doelrealisatie",
    metric: "Doel",
    target: "Doel",
    actual: "Gerealiseerd",
    segments: "Segmenten",
    segment: "Segment",
    size: "Omvang",
    attention: "Vraagt aandacht",
    overdue_deal: "Verwachte sluitdatum verstreken",
    no_recent_contact: "Geen contact in {days} dagen",
    relations: "Relaties",
    timeline: "Tijdlijn",
    back: "Terug naar dashboard",
    none: "Niets",
    won_value: "Gewonnen waarde",
    order_value: "Orderwaarde",
    won_count: "Aantal gewonnen",
  },
  en: {
    title: "Sales dashboard",
    funnel: "Funnel and conversion",
    stage: "Stage",
    deals: "Deals",
    value: "Value",
    reached: "Reached",
    conversion: "Conversion to next",
    forecast: "Weighted forecast per month",
    period: "Period",
    weighted: "Weighted",
    won: "Won",
    owners: "Results per account manager",
    owner: "Account manager",
    lost: "Lost",
    winRate: "Win rate",
    wonValue: "Won value",
    attainment: "Target attainment",
    metric: "Target",
    target: "Target",
    actual: "Actual",
    segments: "Segments",
    segment: "Segment",
    size: "Size",
    attention: "Needs attention",
    overdue_deal: "Expected close date passed",
    no_recent_contact: "No contact in {days} days",
    relations: "Relations",
    timeline: "Timeline",
    back: "Back to the dashboard",
    none: "Nothing",
    won_value: "Won value",
    order_value: "Order value",
    won_count: "Deals won",
  },
} as const;

/** A language of the page. */
export type Lang = keyof typeof LABELS;

/** The words of a language. */
export type Labels = (typeof LABELS)[Lang];

/** The language asked for, Dutch when none or an unknown one. */
export function langOf(value: string | undefined): Lang {
  return value === "en" ? "en" : "nl";
}

/** Minor units as money text, e.g. `€ 18.500,00` (nl) or `€18,500.00` (en). */
export function formatMoney(amount: number, currency: string, lang: Lang): string {
  const digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return new Intl.NumberFormat(lang === "nl" ? "nl-NL" : "en-GB", { style: "currency", currency }).format(amount / 10 ** digits);
}

/** A fraction as a percentage, e.g. `49%`. */
export function formatPercent(value: number | null): string {
  return value === null ? "–" : `${Math.round(value * 100)}%`;
}
