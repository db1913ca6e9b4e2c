import { ref } from 'vue'

/**
 * True while the person is in a call (not on the pre-join or the "left" screens): on a phone the app's navigation
 * makes way for the call. Set by the call room, read by the app shell.
 */
export const callInProgress = ref(false)
