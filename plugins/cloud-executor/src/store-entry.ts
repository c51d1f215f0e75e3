/**
 * @packageDocumentation
 * `@cowork-gateway/cloud-executor/store`: the Cloud store plugin as a default export, so a
 * config's `"store": { "use": "@cowork-gateway/cloud-executor/store" }` loads it.
 */
import { cloudStorePlugin } from './plugin.js';

export { cloudStorePlugin };
export default cloudStorePlugin;
