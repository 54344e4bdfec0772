// A settings form's save (an alert channel, a database's objectives): "Saving…" while the call runs,
// the engine's problems kept to show beside their fields, the first of them focused (a keyboard or screen-reader
// user lands on it), and the transport's own error in words.
import { useEffect, useRef, useState } from 'react';
import type { Validation } from '../../shared/api';
import type { ConfigProblem } from '../../shared/config';
import { errorMessage } from '../api/error-message';

/** What gets the focus after a refused save: the problems on top of the form (FormProblems), else the first field marked invalid. */
const FIRST_PROBLEM = '.general-problems, [aria-invalid="true"]';

export function useValidatedSave() {
  const form = useRef<HTMLFormElement>(null);
  const [problems, setProblems] = useState<ConfigProblem[]>([]);
  const [saving, setSaving] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [refusals, setRefusals] = useState(0);

  useEffect(() => {
    if (refusals > 0) form.current?.querySelector<HTMLElement>(FIRST_PROBLEM)?.focus();
  }, [refusals]);

  const save = (call: () => Promise<Validation>, onSaved: () => void) => {
    setSaving(true);
    setFailure(null);
    call().then(
      (result) => {
        setSaving(false);
        setProblems(result.problems);
        if (result.ok) onSaved();
        else setRefusals((n) => n + 1);
      },
      (error: unknown) => {
        setSaving(false);
        setFailure(errorMessage(error));
      },
    );
  };

  return { form, problems, saving, failure, save };
}
