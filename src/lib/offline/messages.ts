/**
 * Every user-facing sentence about installing, offline use and updates, in one place (for translation).
 */
import type { OfflineFeature } from './assets'

export const offlineMessages = {
  notReady: {
    mp4: 'MP4 export needs one online use first: connect once and export an MP4, then it works offline too.',
    gif: 'GIF export needs one online use first: connect once and export a GIF, then it works offline too.',
    segmentation:
      'Person detection needs one online use first: connect once with a background on, then it works offline too. Green screen works now.',
  } satisfies Record<OfflineFeature, string>,
  callOffline: {
    title: 'Calls need a connection',
    body: 'You are offline. Capture, photos, recording, the gallery and exports keep working; calls start again once you are back online.',
  },
  offlineReady: 'Media Studio now works offline. MP4/GIF export and person detection need one online use first.',
  updateReady: 'Update ready',
  updateAction: 'Reload',
  dismiss: 'OK',
  dismissLabel: 'Dismiss',
  updateWaitingOtherTab: 'A recording or export is running in another tab: the update waits until it ends.',
  storagePersistent: 'kept until you delete it',
  storageBestEffort: 'the browser may clear it when the disk is nearly full',
}
