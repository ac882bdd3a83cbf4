import type { ServicePatch, ServiceWithToken } from "../../../../protocol/management.ts";

/** Saves a change to the service (PATCH /services/{id}); the service page passes it to each settings card. */
export type Patch = (patch: Partial<Record<keyof ServicePatch, unknown>>) => Promise<ServiceWithToken>;
