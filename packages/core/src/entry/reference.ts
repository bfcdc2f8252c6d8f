/**
 * @kaartenbak/core/reference — the meaning of the SDK's computed answers, in plain TypeScript.
 *
 * The SQL compilers of a storage adapter must agree with these on any data; the conformance suite
 * compares them on random datasets. They are exact but not fast, and not meant for apps.
 */
export { compareCodePoints, evaluateFilter, referencePredicate, type FilterDataset } from "../filter/reference.js";
export { resolveFilter, type ResolveEnvironment, type SegmentReference } from "../filter/resolve.js";
export { addDays, addMonths, dayOf } from "../filter/time.js";
export { currencyDigits, formatScaled, lineAmounts, parseScaled, roundHalfUp, sumLines, type LineAmounts, type LineInputUnits } from "../money.js";
export { conversionTarget, convertInto, exchangeRateSchema, safeNumber, type ConversionTarget } from "../model/money.js";
export { contactBlock, deriveConsent, ledgerOrder } from "../model/consent.js";
export { FILTER_VERSION, type ComparisonOperator, type FilterOperator, type FilterValue, type TimeWindow } from "../filter/schema.js";
export type { ForecastQuery, FunnelQuery, OrdersGroup, OrdersGroupBy, OrdersQuery, OwnerResultsQuery, VelocityQuery } from "../model/report.js";
export { csvField, csvRecord, parseCsv } from "../csv.js";
export type { AttainmentQuery, TargetListQuery } from "../model/target.js";
export { relationSearchText, interactionSearchText, searchTextMatches, searchTokens, type SearchDocumentText } from "../search/text.js";
