import type { CallName, CallRequest, CallResponse } from '../../../shared/contract';
import type { SwitchyardBridge } from '../../../electron/desktop/preload';
import { ApiError, type BoardApi } from './boardApi';

/** The desktop app's BoardApi: `window.switchyard`, put there by electron/desktop/preload.ts. */

declare global {
  interface Window {
    /** Present only inside the Electron app. */
    switchyard?: SwitchyardBridge;
  }
}

export function hasPreloadBridge(target: Pick<Window, 'switchyard'> = window): boolean {
  return target.switchyard !== undefined;
}

export function createPreloadBridgeApi(
  bridge: SwitchyardBridge = window.switchyard as SwitchyardBridge,
): BoardApi {
  if (!bridge) throw new Error('window.switchyard is missing: not running inside the Switchyard app');
  return {
    async call<N extends CallName>(name: N, request: CallRequest<N>): Promise<CallResponse<N>> {
      const result = await bridge.call(name, request);
      if (!result.ok) throw new ApiError(result.error.code, result.error.message);
      return result.value;
    },
    subscribe: (listener) => bridge.onEvent(listener),
    onOpenTask: (listener) => bridge.onOpenTask(listener),
  };
}
