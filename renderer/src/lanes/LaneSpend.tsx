import { useEffect, useState } from 'react';
import { formatUsd } from '../../../shared/budget';
import type { LaneStatus } from '../../../shared/dispatch';
import { useBoardContext } from '../store/context';
import { laneTestId } from '../store/laneModel';

/**
 * docs/architecture.md §10 in the lane view: what the lane's runs cost (today, 7 days), its daily budget (empty: none)
 * and whether its tasks wait for approval. Budget and approval are kept in lanes.json by the core.
 */
export function LaneSpend({ lane, onUpdated }: { lane: LaneStatus; onUpdated: (lane: LaneStatus) => void }) {
  const { store } = useBoardContext();
  const [budget, setBudget] = useState(lane.budgetUsdPerDay === null ? '' : String(lane.budgetUsdPerDay));
  useEffect(
    () => setBudget(lane.budgetUsdPerDay === null ? '' : String(lane.budgetUsdPerDay)),
    [lane.budgetUsdPerDay],
  );
  const save = async (settings: { requireApproval?: boolean; budgetUsdPerDay?: number | null }) => {
    const updated = await store.getState().run('setLaneAgentSettings', { lane: lane.name, ...settings });
    if (updated) onUpdated(updated);
  };
  const saveBudget = () => {
    const text = budget.trim();
    const value = text === '' ? null : Number(text);
    if (value !== null && !(Number.isFinite(value) && value > 0)) {
      store.getState().pushToast('warning', 'A budget is an amount in US dollars above 0 (empty: no budget)');
      setBudget(lane.budgetUsdPerDay === null ? '' : String(lane.budgetUsdPerDay));
      return;
    }
    if (value !== lane.budgetUsdPerDay) void save({ budgetUsdPerDay: value });
  };
  const over = lane.budgetUsdPerDay !== null && lane.spentTodayUsd >= lane.budgetUsdPerDay;
  return (
    <div className="lane-status-spend" data-testid={`lane-spend-${laneTestId(lane.name)}`}>
      <div className={over ? 'problem' : ''}>
        {formatUsd(lane.spentTodayUsd)} today · {formatUsd(lane.spent7dUsd)} 7 days
      </div>
      <label className="concurrency">
        $/day
        <input
          type="text"
          inputMode="decimal"
          placeholder="none"
          value={budget}
          aria-label={`Daily budget of ${lane.name} in US dollars`}
          data-testid={`lane-budget-${laneTestId(lane.name)}`}
          onChange={(event) => setBudget(event.target.value)}
          onBlur={saveBudget}
          onKeyDown={(event) => event.key === 'Enter' && saveBudget()}
        />
      </label>
      <label className="lane-approval">
        <input
          type="checkbox"
          checked={lane.requireApproval}
          data-testid={`lane-approval-${laneTestId(lane.name)}`}
          onChange={(event) => void save({ requireApproval: event.target.checked })}
        />{' '}
        approve before start
      </label>
    </div>
  );
}
