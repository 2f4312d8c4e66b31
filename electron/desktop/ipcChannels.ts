/** The IPC channels between the main process and the board page (shared by ipc.ts and preload.ts). */
export const IPC_CHANNELS = {
  /** invoke(name, request) → CallResult */
  call: 'switchyard:call',
  /** main → renderer: BoardEvent */
  event: 'switchyard:event',
  /** renderer → main: "listening now", releases the events queued while the page loaded */
  ready: 'switchyard:ready',
  /** main → renderer: open this task's card (a notification was clicked) */
  openTask: 'switchyard:open-task',
} as const;
