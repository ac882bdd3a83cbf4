/** The Worker's bindings: defined beside the Durable Objects, which share them (durable-objects/bindings.ts). */
export { type Env, conversationStub, directory, serviceStub } from "../durable-objects/bindings.ts";
