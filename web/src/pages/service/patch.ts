import type { ServicePatch, ServiceWithToken } from "../../../../protocol/management.ts";

/** Saves a change to the service (PATCH /services/{id}) and returns it with its new token: what each settings card is given. */
export type Patch = (patch: Partial<Record<keyof ServicePatch, unknown>>) => Promise<ServiceWithToken>;
