import type { TenantCrm } from "./crm.js";
import { CrmError } from "./errors.js";
import type { TenantScope } from "./services/command.js";

/**
 * A tenant handle carries its scope under this symbol so that modules of core that are not
 * services (the sync engine) can join the handle's unit of work and reach repositories the
 * public services do not expose (`store.sync`). Hosts never need it.
 */
const SCOPE = Symbol.for("kaartenbak.tenantScope");

/** The property that tags a tenant handle with its scope; spread into the handle by `crm.ts`. */
export function scopeTag(scope: TenantScope): object {
  return { [SCOPE]: scope };
}

/** The scope behind a tenant handle made by `createCrm`; throws UNSUPPORTED for anything else. */
export function scopeOf(tenant: TenantCrm): TenantScope {
  const scope = (tenant as unknown as Record<symbol, TenantScope | undefined>)[SCOPE];
  if (!scope) throw new CrmError("CONFIGURATION", "Expected a tenant handle made by createCrm(...).tenant(id)", { reason: "not_a_tenant_handle" });
  return scope;
}
