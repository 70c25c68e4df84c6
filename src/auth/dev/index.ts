/** The development authorization server, imported lazily by manifests that use `provider: dev`. */
export { createDevAuthorizationServer, devVerifierConfig, type DevAuthorizationServer } from './server.js';
export { openDevState, DEV_STATE_DIR, type DevState } from './state.js';
export { mintDevToken, parseTtl } from './token.js';
