import { ref, onScopeDispose, type Ref } from 'vue'

/** An object URL for one blob at a time, revoked when replaced or when the scope ends. */
export function useObjectUrl(): { url: Ref<string | null>; set: (blob: Blob | null) => void } {
  const url = ref<string | null>(null)
  function set(blob: Blob | null) {
    if (url.value) URL.revokeObjectURL(url.value)
    url.value = blob ? URL.createObjectURL(blob) : null
  }
  onScopeDispose(() => set(null))
  return { url, set }
}
