import { CRM_ERROR_CODES } from "../errors.js";
import { CAMPAIGN_STATUSES, EXCLUSION_REASONS, MEMBER_STATUSES } from "./campaign.js";
import { CONSENT_ACTIONS, CONSENT_CHANNELS, LEGAL_BASES, SUPPRESSION_ACTIONS } from "./consent.js";
import { DEAL_STATUSES } from "./deal.js";
import { CRM_EVENT_TYPES } from "./events.js";
import { DIRECTIONS, INTERACTION_KINDS, PARTICIPANT_ROLES } from "./interaction.js";
import { LINK_KINDS } from "./link.js";
import { STAGE_KINDS } from "./pipeline.js";
import { QUOTE_STATUSES } from "./quote.js";
import { LIFECYCLES, RELATION_KINDS } from "./relation-kind.js";
import { SEGMENT_KINDS } from "./segment.js";
import { TARGET_METRICS } from "./target.js";

/**
 * Every closed list of values the SDK knows, for pick lists, validation in a host's own forms and
 * exhaustive tests. One object instead of a constant per list keeps the main entry small; each
 * list is the run-time twin of the type of the same name (`CRM_VOCABULARY.lifecycles` ↔ `Lifecycle`).
 *
 * @example
 * const options = CRM_VOCABULARY.lifecycles.map((value) => ({ value, label: t(`lifecycle.${value}`) }));
 */
export const CRM_VOCABULARY = Object.freeze({
  relationKinds: RELATION_KINDS,
  lifecycles: LIFECYCLES,
  linkKinds: LINK_KINDS,
  interactionKinds: INTERACTION_KINDS,
  directions: DIRECTIONS,
  participantRoles: PARTICIPANT_ROLES,
  stageKinds: STAGE_KINDS,
  dealStatuses: DEAL_STATUSES,
  quoteStatuses: QUOTE_STATUSES,
  segmentKinds: SEGMENT_KINDS,
  consentChannels: CONSENT_CHANNELS,
  consentActions: CONSENT_ACTIONS,
  legalBases: LEGAL_BASES,
  suppressionActions: SUPPRESSION_ACTIONS,
  campaignStatuses: CAMPAIGN_STATUSES,
  memberStatuses: MEMBER_STATUSES,
  exclusionReasons: EXCLUSION_REASONS,
  eventTypes: CRM_EVENT_TYPES,
  errorCodes: CRM_ERROR_CODES,
  targetMetrics: TARGET_METRICS,
});
