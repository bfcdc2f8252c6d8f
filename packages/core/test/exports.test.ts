import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// Every name an entry exports is covered by semver. This test keeps the lists: a new export fails
// it until the list below is changed too, so adding one is a reviewed decision.
const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function exportsOf(entry: string): string[] {
  const config = ts.parseJsonConfigFileContent(JSON.parse(readFileSync(join(root, "tsconfig.json"), "utf8")), ts.sys, root);
  const program = ts.createProgram([join(root, entry)], { ...config.options, noEmit: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(join(root, entry));
  if (!source) throw new Error(`cannot read ${entry}`);
  const module = checker.getSymbolAtLocation(source);
  if (!module) throw new Error(`${entry} is not a module`);
  return checker
    .getExportsOfModule(module)
    .map((symbol) => symbol.getName())
    .sort();
}

const MAIN = [
  "AcceptResult",
  "AttributeDefinition",
  "AttributeRegistry",
  "AttributeValue",
  "BulkOptions",
  "BulkResult",
  "CRM_VOCABULARY",
  "CalendarDate",
  "Campaign",
  "CampaignInput",
  "CampaignMember",
  "CampaignPatch",
  "CampaignResults",
  "CommandOptions",
  "Condition",
  "ConsentChannel",
  "ConsentEntry",
  "ConsentInput",
  "ConsentState",
  "Crm",
  "CrmError",
  "CrmErrorCode",
  "CrmErrorReason",
  "CrmErrorReasons",
  "CrmEvent",
  "ErasureResult",
  "PersonalDataExport",
  "RelationErased",
  "Merge",
  "MergeOptions",
  "MergeResult",
  "UnmergeResult",
  "RelationMerged",
  "RelationUnmerged",
  "CrmEventPayloads",
  "CrmEventType",
  "CrmOptions",
  "CrossSellReport",
  "Deal",
  "DealAttributes",
  "DealInput",
  "DealPage",
  "DealPatch",
  "DealStatus",
  "Direction",
  "EmailAddress",
  "EntityType",
  "ExchangeRate",
  "ExclusionReason",
  "ExternalRef",
  "Filter",
  "FilterBuilder",
  "ForecastReport",
  "FunnelReport",
  "HistoryEntry",
  "Instant",
  "Interaction",
  "InteractionInput",
  "InteractionMatched",
  "InteractionPatch",
  "LaunchResult",
  "LegalBasis",
  "Lifecycle",
  "LifetimeValueReport",
  "Link",
  "LinkInput",
  "LinkKind",
  "LinkPatch",
  "LogResult",
  "LostReason",
  "LostReasonInput",
  "MailingListEntry",
  "MemberPage",
  "MemberStatus",
  "MemberUpdate",
  "Money",
  "Order",
  "OrderInput",
  "OrdersReport",
  "OwnerResultsReport",
  "Participant",
  "ParticipantRole",
  "PhoneNumber",
  "Pipeline",
  "PipelineInput",
  "PipelinePatch",
  "PostalAddress",
  "Product",
  "ProductInput",
  "ProductPatch",
  "Quote",
  "QuoteInput",
  "QuoteLine",
  "QuoteLineInput",
  "QuotePatch",
  "QuoteStatus",
  "RecordOrderResult",
  "Relation",
  "RelationAttributes",
  "RelationInput",
  "RelationKind",
  "RelationPatch",
  "RfmReport",
  "Segment",
  "SegmentInput",
  "SegmentKind",
  "SegmentPatch",
  "SegmentValueReport",
  "Stage",
  "StageInput",
  "StageKind",
  "StageMove",
  "StagePatch",
  "StageVisit",
  "SuppressionEntry",
  "SuppressionInput",
  "TenantCrm",
  "TenantOptions",
  "TimelinePage",
  "UpsertResult",
  "ValidationIssue",
  "VelocityReport",
  "StorageAdapter",
  "VersionedOptions",
  "RelationWriteOptions",
  "DuplicatePolicy",
  "createCrm",
  "defineAttributes",
  "filterBuilder",
  "formatAmount",
  "isCrmError",
];

describe("the public surface", () => {
  // The bound keeps the app entry small on purpose; the data half of the CRM (privacy, data
  // quality, search, targets) raised it from 120 with the result types apps name in their code.
  it("@kaartenbak/core exports exactly the reviewed list, under 160 names", () => {
    const actual = exportsOf("src/index.ts");
    expect(actual).toEqual([...MAIN].sort());
    expect(actual.length).toBeLessThan(160);
  });

  it("keeps adapter-author and reference material out of the app entry", () => {
    const main = new Set(exportsOf("src/index.ts"));
    for (const internal of ["TenantStore", "RelationRecord", "ResolvedCondition", "encodeCursor", "uuidv7", "parseCsv", "roundHalfUp", "evaluateFilter"]) {
      expect(main.has(internal), internal).toBe(false);
    }
    const storage = new Set(exportsOf("src/entry/storage.ts"));
    for (const name of ["StorageAdapter", "TenantStore", "ResolvedCondition", "CrmError", "notFound", "staleVersion"])
      expect(storage.has(name), name).toBe(true);
  });
});
