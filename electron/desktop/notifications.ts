import { Notification } from 'electron';
import type { BoardEvent } from '../../shared/contract';
import type { Api } from '../core/api/api';

/**
 * Desktop notifications for notice events (docs/architecture.md §7: done, blocked, gave up, stuck). Clicking one
 * opens the board at that task's card.
 */

type NoticeEvent = Extract<BoardEvent, { type: 'notice' }>;

export interface NotificationOptions {
  api: Pick<Api, 'subscribe'>;
  /** Focus the window and open the card (taskId null: just show the board). */
  onClick(taskId: string | null): void;
}

export function showNotice(
  notice: NoticeEvent,
  onClick: (taskId: string | null) => void,
): Notification | null {
  if (!Notification.isSupported()) return null;
  const notification = new Notification({
    title: `Switchyard: ${notice.title}`,
    body: notice.message.slice(0, 300),
    urgency: notice.level === 'error' ? 'critical' : 'normal',
  });
  notification.on('click', () => onClick(notice.taskId));
  notification.show();
  return notification;
}

export function bindNotifications(options: NotificationOptions): () => void {
  // Keep references: a garbage-collected Notification loses its click handler on some platforms.
  const live = new Set<Notification>();
  const unsubscribe = options.api.subscribe((event) => {
    if (event.type !== 'notice') return;
    const notification = showNotice(event, options.onClick);
    if (!notification) return;
    live.add(notification);
    if (live.size > 50) live.delete(live.values().next().value as Notification);
    notification.on('close', () => live.delete(notification));
  });
  return () => {
    unsubscribe();
    live.clear();
  };
}
