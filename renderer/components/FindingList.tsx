import type { Finding } from '../../shared/model';
import { visibleText } from '../../shared/visible-text';
import { StatusBadge } from './StatusBadge';

export function FindingList({ findings }: { findings: Finding[] }) {
  const shown = findings.filter((f) => f.status !== 'ok');
  if (shown.length === 0) return <p data-testid="findings">All checks pass.</p>;
  return (
    <ul className="findings" data-testid="findings">
      {shown.map((finding, i) => (
        <li key={`${finding.rule}-${i}`} data-testid="finding" data-rule={finding.rule}>
          <StatusBadge status={finding.status} /> {visibleText(finding.message)}
        </li>
      ))}
    </ul>
  );
}
