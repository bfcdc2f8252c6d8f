import * as z from "zod";
import { calendarDateSchema, idSchema, textSchema, type CalendarDate, type Instant } from "./common.js";
import { amountSchema, currencySchema } from "./money.js";
import { externalRefSchema, type ExternalRef } from "./relation.js";

/** Realised revenue: an order from an accepted quote, or recorded directly (e.g. imported from the ERP). */
export interface Order {
  readonly id: string;
  /** The customer. */
  readonly relationId: string;
  readonly dealId: string | null;
  /** The accepted quote it came from; at most one order per quote. */
  readonly quoteId: string | null;
  /** The day the revenue counts for in reports. */
  readonly orderDate: CalendarDate;
  readonly currency: string;
  /** Revenue excluding tax, integer minor units: what reports count. */
  readonly netAmount: number;
  readonly taxAmount: number;
  /** `netAmount + taxAmount`. */
  readonly totalAmount: number;
  readonly description: string | null;
  /** The order's key in the host's system; unique per tenant, so an import never doubles it. */
  readonly externalRef: ExternalRef | null;
  /** Set when cancelled: a cancelled order leaves every report. */
  readonly cancelledAt: Instant | null;
  readonly version: number;
  readonly createdAt: Instant;
  readonly updatedAt: Instant;
}

/** An order as stored. */
export type OrderRecord = Order;

const id = idSchema;

/** zod schema of {@link OrderInput}. */
export const orderInputSchema = z
  .object({
    relationId: id,
    dealId: id.nullable().optional(),
    orderDate: calendarDateSchema,
    currency: currencySchema,
    netAmount: amountSchema,
    taxAmount: amountSchema.default(0),
    description: textSchema.max(5000).nullable().optional(),
    externalRef: externalRefSchema.nullable().optional(),
  })
  .strict();

/** Input to record an order directly. With `externalRef`, recording the same order again updates or changes nothing. */
export interface OrderInput {
  readonly relationId: string;
  readonly dealId?: string | null;
  /** `YYYY-MM-DD`. */
  readonly orderDate: string;
  readonly currency: string;
  /** Integer minor units, excluding tax. */
  readonly netAmount: number;
  /** Integer minor units; default 0. */
  readonly taxAmount?: number;
  readonly description?: string | null;
  readonly externalRef?: ExternalRef | null;
}
