// Removing something from the config from a list (a source, an alert channel): ask first, then call the API,
// keep its problems (or the transport's error) to show beside the item, and say when it is gone.
import { useState } from 'react';
import type { Validation } from '../../shared/api';
import type { ConfigProblem } from '../../shared/config';
import { errorMessage } from '../api/error-message';

export function useConfirmedRemoval(removeIt: () => Promise<Validation>, onRemoved: () => void) {
  const [confirming, setConfirming] = useState(false);
  const [removing, setRemoving] = useState(false);
  const [problems, setProblems] = useState<ConfigProblem[]>([]);
  const remove = () => {
    setRemoving(true);
    removeIt().then(
      (result) => {
        setRemoving(false);
        setConfirming(false);
        if (result.ok) onRemoved();
        else setProblems(result.problems);
      },
      (error: unknown) => {
        setRemoving(false);
        setProblems([{ path: '', message: errorMessage(error) }]);
      },
    );
  };
  return { confirming, setConfirming, removing, problems, remove };
}
