// A settings list whose entries are edited in place (alert channels, recovery objectives): which entry has its
// form open, if any, and the notice the last save or removal left.
import { useState } from 'react';

/** The `editing` value of the form that adds a new entry. */
export const NEW_ENTRY = '';

export function useListEditing(onChanged: () => void) {
  /** The entry whose form is open (NEW_ENTRY: a new one), or null. */
  const [editing, setEditing] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  /** Closes the form; `said` ("Saved alert channel ops-hook.") when something changed: shown, and the list reloaded. */
  const done = (said: string | null) => {
    setEditing(null);
    if (said) {
      setNotice(said);
      onChanged();
    }
  };
  return { editing, setEditing, notice, done };
}
