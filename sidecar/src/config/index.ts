export { ConfigError, DEFAULT_CONFIG_FILE, DEFAULT_REDIS_URL, loadConfig, type Env } from './load';
export { PLACE_ID_PATTERN } from './schema';
export type { Config, ResolvedPlace, ResolvedErpSettings } from './schema';
export { DEFAULT_SECRETS_FILE, readSecrets, setPlaceSecret, writeSecrets } from './secrets';
