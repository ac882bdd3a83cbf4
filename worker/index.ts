import { app } from "./app.ts";

export { ConversationObject } from "../durable-objects/conversation.ts";
export { DirectoryObject } from "../durable-objects/directory.ts";
export { ServiceObject } from "../durable-objects/service.ts";

export default app;
