import pluginVue from 'eslint-plugin-vue'
import { defineConfigWithVueTs, vueTsConfigs } from '@vue/eslint-config-typescript'
import skipFormatting from '@vue/eslint-config-prettier/skip-formatting'

// create-vue's setup: Vue + TypeScript rules for correctness, formatting left to Prettier.
export default defineConfigWithVueTs(
  { name: 'app/files-to-lint', files: ['**/*.{ts,mts,vue}'] },
  { name: 'app/files-to-ignore', ignores: ['**/dist/**', '**/coverage/**', 'scratch/**', 'auto-imports.d.ts', 'components.d.ts'] },
  pluginVue.configs['flat/recommended'],
  vueTsConfigs.recommended,
  skipFormatting,
  {
    rules: {
      'vue/multi-word-component-names': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Every word a person reads comes from src/i18n (English and Chinese): raw text in a template, or in a
    // title/aria-label/placeholder/alt attribute, is an error. Allowed: punctuation and names that are not words
    // in any language (file formats, keyboard keys).
    name: 'app/i18n',
    files: ['src/**/*.vue'],
    rules: {
      'vue/no-bare-strings-in-template': [
        'error',
        {
          allowlist: ['(', ')', ',', '.', ':', ';', '·', '–', '—', '×', '%', '/', '+', '-', '|', '↑', '↓', '…', 'R', 'P', 'ICE', 'WebM', 'MP4', 'GIF'],
        },
      ],
    },
  },
)
