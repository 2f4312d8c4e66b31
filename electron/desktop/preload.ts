import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { BoardEvent, CallName, CallRequest, CallResponse, CallResult } from '../../shared/contract';
import { IPC_CHANNELS } from './ipcChannels';

/**
 * The page's only door to the main process (docs/architecture.md §7 and "Typed IPC"): the contract's calls
 * by name, the event stream, and "open this card". No ipcRenderer, no process, no Node. The main
 * process checks the sender and validates every payload; nothing here is trusted.
 */

type CallFunction<N extends CallName> = (request: CallRequest<N>) => Promise<CallResult<CallResponse<N>>>;

/** Every call of the contract, listed once; a call missing here does not compile. */
const CALL_LIST: { [N in CallName]: true } = {
  snapshot: true,
  listBoards: true,
  taskDetail: true,
  cellCards: true,
  laneCards: true,
  searchCards: true,
  laneStatuses: true,
  dispatcherState: true,
  dryRunDispatch: true,
  tailLog: true,
  runTranscript: true,
  createTask: true,
  editTask: true,
  moveTask: true,
  linkTasks: true,
  unlinkTasks: true,
  addComment: true,
  completeTask: true,
  blockTask: true,
  unblockTask: true,
  archiveTask: true,
  stopTask: true,
  retryTask: true,
  approveTask: true,
  followupTask: true,
  setLaneAgentSettings: true,
  setLanePaused: true,
  setLaneConcurrency: true,
  setDispatcherEnabled: true,
  createBoard: true,
  archiveBoard: true,
  createProfile: true,
  profileFile: true,
  saveProfile: true,
  duplicateProfile: true,
  deleteProfile: true,
  listRecurrences: true,
  addRecurrence: true,
  setRecurrencePaused: true,
  removeRecurrence: true,
  taskChanges: true,
  boardChanges: true,
  landTask: true,
  sendBackTask: true,
  waiveReview: true,
  boardRepository: true,
  setBoardRepository: true,
};

function invoke<N extends CallName>(name: N, request: CallRequest<N>): Promise<CallResult<CallResponse<N>>> {
  return ipcRenderer.invoke(IPC_CHANNELS.call, name, request) as Promise<CallResult<CallResponse<N>>>;
}

const calls = Object.fromEntries(
  (Object.keys(CALL_LIST) as CallName[]).map((name) => [
    name,
    (request: unknown) => invoke(name, request as never),
  ]),
) as { [N in CallName]: CallFunction<N> };

let announcedReady = false;

const bridge = {
  /** Runs one contract call by name; resolves with `{ ok, value }` or `{ ok: false, error }`. */
  call: invoke,
  /** The same calls as functions, one per contract entry (`calls.createTask({...})`). */
  calls,
  /** Follows the event stream; the first listener tells the main process the page is ready. Returns unsubscribe. */
  onEvent(listener: (event: BoardEvent) => void): () => void {
    const handler = (_event: IpcRendererEvent, payload: BoardEvent): void => listener(payload);
    ipcRenderer.on(IPC_CHANNELS.event, handler);
    if (!announcedReady) {
      announcedReady = true;
      ipcRenderer.send(IPC_CHANNELS.ready);
    }
    return () => {
      ipcRenderer.removeListener(IPC_CHANNELS.event, handler);
    };
  },
  /** Called when the user clicked a notification: open that task's card. Returns unsubscribe. */
  onOpenTask(listener: (taskId: string) => void): () => void {
    const handler = (_event: IpcRendererEvent, taskId: unknown): void => {
      if (typeof taskId === 'string') listener(taskId);
    };
    ipcRenderer.on(IPC_CHANNELS.openTask, handler);
    return () => {
      ipcRenderer.removeListener(IPC_CHANNELS.openTask, handler);
    };
  },
};

/** What the page sees as `window.switchyard` (renderer/src/api/preloadBridge.ts uses this type). */
export type SwitchyardBridge = typeof bridge;

contextBridge.exposeInMainWorld('switchyard', bridge);
