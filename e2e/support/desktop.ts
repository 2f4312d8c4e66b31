import { DesktopHarness, type DesktopApp } from '../../test/desktop-harness/harness';
import { SwitchyardHome, expect, test as base } from './switchyard';

/**
 * Fixtures of the desktop specs (e2e/desktop-*.spec.ts): the app as users of the desktop build get
 * it — main process, preload bridge, IPC, engine, board — through the harness in
 * test/desktop-harness/ on the same temp home and fast dispatcher settings the web specs use.
 */

interface DesktopFixtures {
  /** Starts the desktop app on `home` (again, for restarts and second instances). */
  desktop: DesktopHarness;
  /** The first start, with its board window loaded through the preload bridge. */
  openDesktop: () => Promise<DesktopApp>;
  /** The database's view through the CLI, as a separate process. */
  db: SwitchyardHome;
}

export const test = base.extend<DesktopFixtures>({
  desktop: async ({ home }, use, testInfo) => {
    const harness = await DesktopHarness.launch(home);
    try {
      await use(harness);
    } finally {
      if (testInfo.status !== testInfo.expectedStatus) {
        for (const [index, started] of harness.starts.entries())
          await testInfo.attach(`desktop-start-${index + 1}.json`, {
            body: JSON.stringify(
              {
                pageErrors: started.record.pageErrors,
                errorBoxes: started.record.errorBoxes,
                refusedNavigations: started.record.refusedNavigations,
                windowOpens: started.record.windowOpens,
                dialogs: started.record.dialogs.map((dialog) => dialog.options),
              },
              null,
              2,
            ),
            contentType: 'application/json',
          });
      }
      await harness.close();
    }
  },
  openDesktop: async ({ desktop }, use) => {
    await use(async () => {
      const app = await desktop.start();
      const page = await app.page();
      await expect(page.getByTestId('loading')).toHaveCount(0);
      return app;
    });
  },
  db: async ({ home }, use) => {
    await use(new SwitchyardHome(home));
  },
});

export { expect };
