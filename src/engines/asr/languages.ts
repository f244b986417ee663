/**
 * OpenAI's verbose_json names the language in English ("english"); Iris stores ISO
 * 639-1 codes. The common Whisper languages are mapped; a value that already is a
 * two-letter code passes through; anything else is left out rather than guessed.
 */
const NAMES: Record<string, string> = {
  english: 'en',
  german: 'de',
  french: 'fr',
  spanish: 'es',
  italian: 'it',
  portuguese: 'pt',
  dutch: 'nl',
  russian: 'ru',
  ukrainian: 'uk',
  polish: 'pl',
  czech: 'cs',
  swedish: 'sv',
  norwegian: 'no',
  danish: 'da',
  finnish: 'fi',
  greek: 'el',
  turkish: 'tr',
  arabic: 'ar',
  hebrew: 'he',
  hindi: 'hi',
  bengali: 'bn',
  urdu: 'ur',
  chinese: 'zh',
  japanese: 'ja',
  korean: 'ko',
  vietnamese: 'vi',
  thai: 'th',
  indonesian: 'id',
  malay: 'ms',
  romanian: 'ro',
  hungarian: 'hu',
  catalan: 'ca',
  persian: 'fa',
  tamil: 'ta',
  swahili: 'sw',
  tagalog: 'tl',
};

export function toLanguageCode(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toLowerCase();
  if (/^[a-z]{2}$/.test(v)) return v;
  return NAMES[v];
}
