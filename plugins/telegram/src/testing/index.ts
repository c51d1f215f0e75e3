/**
 * @packageDocumentation
 * `@cowork-gateway/telegram/testing`: a loopback fake of the Telegram Bot API and builders of
 * updates, for this package's tests and for hosts that run Telegram end to end offline.
 */
export { FakeTelegram, startFakeTelegram, type FakeTelegramOptions, type FakeFailure, type FakeSentMessage, type FakeCall } from './fake-telegram.js';
export {
  FAKE_USER,
  FAKE_GROUP_ID,
  privateMessage,
  groupMessage,
  topicMessage,
  editedMessage,
  callbackQuery,
  type FakeUpdate,
  type FakeUser,
  type MessageOptions,
} from './updates.js';
export { parseMultipart, type MultipartFile } from './multipart.js';
