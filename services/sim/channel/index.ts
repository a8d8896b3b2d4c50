export { ChannelEmulator } from './channel-emulator.js';
export type { ChannelEmulatorOptions, PressCardButtonOptions, SendInvokeOptions, SendMessageOptions } from './channel-emulator.js';
export {
  ADAPTIVE_CARD_CONTENT_TYPE,
  DEFAULT_CLIENT,
  adaptiveCardActionValue,
  adaptiveCardOf,
  botAccountId,
  buildBotAddedPersonal,
  buildInstallationUpdatePersonal,
  buildInvokeActivity,
  buildMessageActivity,
  findExecuteActions,
  localTimestamp,
  teamsIdsFor,
  threadConversationId,
} from './activity-builders.js';
export type { ChannelContext, ChannelTarget, ClientInfo } from './activity-builders.js';
export { BOT_FRAMEWORK_ISSUER, ChannelSigner, JWKS_PATH, OPENID_CONFIGURATION_PATH } from './channel-signer.js';
export { SlidingWindowLimiter } from './rate-limiter.js';
export { baseChannelId, contentKeyOf } from './conversation-store.js';
export * from './types.js';
