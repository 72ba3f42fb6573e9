import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en.js';
import { es } from './es.js';

export const LANGUAGES = ['es', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

const STORAGE_KEY = 'mostrador.language';

function savedLanguage(): Language {
  const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
  return saved === 'en' ? 'en' : 'es';
}

export async function setupI18n() {
  await i18next.use(initReactI18next).init({
    resources: { es: { translation: es }, en: { translation: en } },
    lng: savedLanguage(),
    fallbackLng: 'es',
    interpolation: { escapeValue: false },
  });
  document.documentElement.lang = i18next.language;
  return i18next;
}

export async function changeLanguage(language: Language) {
  globalThis.localStorage?.setItem(STORAGE_KEY, language);
  await i18next.changeLanguage(language);
  document.documentElement.lang = language;
}
