import { createApp } from "./app";
import { scheduled } from "./scheduled";

export { RateLimiter } from "./durable-objects/rate-limiter";

const app = createApp();

export default { fetch: app.fetch, scheduled } satisfies ExportedHandler<Env>;
