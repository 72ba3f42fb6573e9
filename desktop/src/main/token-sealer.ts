/**
 * The station token at rest, sealed with the OS keychain through Electron's `safeStorage`
 * (issue 8). The core stays Electron-free: it only sees a TokenSealer. Where the keychain
 * is not available (a Linux session without a secret service), null: the token is then
 * protected by the station folder's owner-only mode alone.
 */
import { safeStorage } from 'electron';
import type { TokenSealer } from '../core/index.js';

export function keychainSealer(): TokenSealer | null {
  if (!safeStorage.isEncryptionAvailable()) return null;
  return {
    seal: (token) => safeStorage.encryptString(token).toString('base64'),
    open: (sealed) => safeStorage.decryptString(Buffer.from(sealed, 'base64')),
  };
}
