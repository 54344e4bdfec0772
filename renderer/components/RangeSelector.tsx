import type { RangeId } from '../../shared/api';

export const RANGE_WORDS: Record<RangeId, string> = { '7d': '7 days', '30d': '30 days', '1y': '1 year' };

export function RangeSelector({ range, onChange }: { range: RangeId; onChange: (range: RangeId) => void }) {
  return (
    <div className="segmented" role="group" aria-label="Time range">
      {(Object.keys(RANGE_WORDS) as RangeId[]).map((id) => (
        <button key={id} type="button" aria-pressed={id === range} onClick={() => onChange(id)}>
          {RANGE_WORDS[id]}
        </button>
      ))}
    </div>
  );
}
